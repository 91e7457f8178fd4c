// io_uring: a cancel request that waited in the backlog (the SQ was full)
// targets one op instance. The LIFO free list hands a finished op's slot,
// and so its address, to the next op at once; a delayed cancel of the old
// op must not cancel the new one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

import { availableBackends, candidatePaths } from '@iocp/native';

const addonPath = candidatePaths().find((p) => fs.existsSync(p))!;
const describeUring = availableBackends().includes('io_uring') ? describe : describe.skip;

// Runs in a child: the test hook is read from the real environment, which
// jest's process.env does not reach. Prints what happened as JSON.
const child = `
const fs = require('node:fs');
const native = require(${JSON.stringify(addonPath)});
const C = native.constants;
const WORDS = 4;
const results = {};
let onRecord = () => {};
const core = new native.Core((count) => {
  for (let i = 0; i < count; i++) {
    const id = core.completions[i * WORDS];
    results[id] = core.completions[i * WORDS + 1];
    onRecord(id);
  }
}, 'io_uring');
const [a, b] = native.socketPair(C.AF_UNIX, C.SOCK_STREAM);
const bufA = Buffer.alloc(8);
const bufB = Buffer.alloc(8);
const idA = core.recv(b, bufA);
const idNop = core.nop();
let idB = -1;
let cancelled = null;
onRecord = (id) => {
  if (id === idNop) {
    // A's data arrives, then its cancel is requested (and delayed).
    fs.writeSync(a, Buffer.from('x'));
    cancelled = core.cancel(idA);
  } else if (id === idA) {
    // The next op takes A's Op; the delayed cancel goes in behind it.
    idB = core.recv(b, bufB);
    // B's data comes after B (and the cancel) went to the kernel.
    setImmediate(() => idB in results || fs.writeSync(a, Buffer.from('y')));
  } else if (id === idB) {
    core.close();
    native.closeSocket(a);
    native.closeSocket(b);
    console.log(JSON.stringify({ cancelled, idA, idB, a: results[idA], b: results[idB],
      dataA: bufA.toString('latin1', 0, 1), dataB: bufB.toString('latin1', 0, 1) }));
  }
};
`;

describeUring('io_uring delayed cancels', () => {
  it('a delayed cancel of a finished op never cancels the newer op in its slot', () => {
    // IOCP_TEST_URING_HOLD_CANCELS holds every cancel request in the backlog
    // until the next op is submitted, as a full SQ would.
    const r = spawnSync(process.execPath, ['-e', child], {
      encoding: 'utf8',
      env: { ...process.env, IOCP_TEST_URING_HOLD_CANCELS: '1' },
      timeout: 30000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    const slot = (id: number): number => id & ((1 << 22) - 1);
    expect(out.cancelled).toBe(true);
    // A lost the race to its data; B is a new op in A's slot.
    expect({ a: out.a, dataA: out.dataA }).toEqual({ a: 1, dataA: 'x' });
    expect(slot(out.idB as number)).toBe(slot(out.idA as number));
    expect(out.idB).not.toBe(out.idA);
    // B was not cancelled by A's request: it got its data.
    expect({ b: out.b, dataB: out.dataB }).toEqual({ b: 1, dataB: 'y' });
  });
});
