// Environment teardown with operations still pending: a worker thread that is
// terminated, and a process that exits, while its Cores wait on sockets and
// events. The backends cancel, wait in the kernel for their buffers, and
// close their loop handles before Node unloads the addon.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

import { availableBackends, candidatePaths, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

const addonPath = candidatePaths().find((p) => fs.existsSync(p))!;

interface Opened {
  sockets: number[];
  event: number;
  /** Linux: what /proc/self/fd said each of them was, in the worker. */
  targets: string[];
}

/** What handle h is now (Linux: its /proc/self/fd target, '' once closed). */
function target(h: number): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${h}`);
  } catch {
    return '';
  }
}

// Opens a Core on `backend` with pending recvs, waits (with and without a
// timeout) and a sendfile nobody reads, then calls ready with what it opened.
const script = `
const native = require(${JSON.stringify(addonPath)});
const C = native.constants;
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
function run(backend, ready) {
  const core = new native.Core(() => {}, backend);
  const pair = native.socketPair(process.platform === 'win32' ? C.AF_INET : C.AF_UNIX, C.SOCK_STREAM);
  for (const s of pair) core.associate(s);
  for (let i = 0; i < 20; i++) core.recv(pair[1], Buffer.alloc(8));
  const e = native.eventCreate(true, false);
  for (let i = 0; i < 10; i++) core.waitHandle(e, i % 2 ? 600000 : -1);
  const file = path.join(os.tmpdir(), 'iocp-teardown-' + process.pid + '-' + backend);
  fs.writeFileSync(file, Buffer.alloc(8 << 20));
  const fd = fs.openSync(file, 'r');
  fs.unlinkSync(file);
  core.sendFile(pair[0], native.fdToHandle(fd), 0, 0);
  const targets = process.platform === 'linux'
    ? [...pair, e].map((h) => fs.readlinkSync('/proc/self/fd/' + h)) : [];
  setTimeout(() => ready({ sockets: pair, event: e, targets }), 20);
}
`;

describe.each(availableBackends())('teardown on %s', (backend: BackendName) => {
  it('a worker terminated with operations pending ends cleanly and leaks no operation', async () => {
    const leakedBefore = native.leakedOperations();
    const worker = new Worker(
      `${script}\nrun(${JSON.stringify(backend)}, (opened) => require('node:worker_threads').parentPort.postMessage(opened));`,
      { eval: true },
    );
    const opened = await new Promise<Opened>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(await worker.terminate()).toBe(1);
    // The kernel gave every operation back within the teardown's bound.
    expect(native.leakedOperations()).toBe(leakedBefore);
    // The worker's teardown closed the sockets and the event it opened and
    // never closed, as Node closes a worker's own handles (AddonData::owned).
    // They are checked without closing anything: the numbers may be reused.
    const handles = [...opened.sockets, opened.event];
    if (process.platform === 'linux') {
      handles.forEach((h, i) => expect(target(h)).not.toBe(opened.targets[i]));
    } else {
      for (const s of opened.sockets) expect(native.getsockname(s)).toEqual(expect.any(Number));
    }
  });

  it('a process that exits with operations pending exits normally', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `${script}\nrun(${JSON.stringify(backend)}, () => { console.log('exiting'); process.exit(0); });`,
      ],
      { encoding: 'utf8', timeout: 15000 },
    );
    expect(out.trim()).toBe('exiting');
  });
});
