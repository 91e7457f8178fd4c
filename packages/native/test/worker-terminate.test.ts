// worker.terminate() while a worker's Core is busy: completions keep coming
// (a nop ping-pong) and a recv is pending, so the backend calls into an
// environment that is terminating. The calls must be skipped cleanly; a C++
// exception thrown through libuv or V8 there aborts the whole process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

import { availableBackends, candidatePaths } from '@iocp/native';
import type { BackendName } from '@iocp/native';

const addonPath = candidatePaths().find((p) => fs.existsSync(p))!;

// The child: `rounds` times, 8 workers each run a Core (nop ping-pong and a
// pending recv), then each is terminated after a random delay.
const child = `
const { Worker } = require('node:worker_threads');
const addon = ${JSON.stringify(addonPath)};
const native = require(addon);
const [backend, rounds] = [process.argv[1], Number(process.argv[2])];
const body = \`
const native = require(\${JSON.stringify(addon)});
const C = native.constants;
let core;
core = new native.Core(() => { core.nop(); }, \${JSON.stringify(backend)});
const pair = native.socketPair(process.platform === 'win32' ? C.AF_INET : C.AF_UNIX, C.SOCK_STREAM);
for (const s of pair) core.associate(s);
core.recv(pair[1], Buffer.alloc(64));
core.nop();
require('node:worker_threads').parentPort.postMessage(pair);
\`;
async function round() {
  const workers = Array.from({ length: 8 }, () => new Worker(body, { eval: true }));
  const pairs = await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  })));
  await Promise.all(workers.map((w) =>
    new Promise((resolve) => setTimeout(resolve, Math.random() * 20)).then(() => w.terminate())));
  // Each worker's teardown closed the sockets it opened (closing them here
  // too could close a number that was reused meanwhile).
  void pairs;
}
(async () => {
  for (let i = 0; i < rounds; i++) await round();
  console.log('done');
})();
`;

describe.each(availableBackends())('worker termination on %s', (backend: BackendName) => {
  it('terminating 8 workers with busy Cores, 10 times, never aborts the process', () => {
    const r = spawnSync(process.execPath, ['-e', child, backend, '10'], {
      encoding: 'utf8',
      env: { ...process.env, IOCP_BACKEND: backend },
      timeout: 120000,
    });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(r.stdout.trim()).toBe('done');
  }, 130000);
});
