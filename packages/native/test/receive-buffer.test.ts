// Receive buffers (allocReceiveBuffer): a receive into one goes straight
// into its memory (the OS writes it; `immediate[2]` says so), a view at an
// offset gets exactly its bytes, and the memory outlives whatever
// JavaScript does to the Buffer while a receive into it is pending
// (a transfer, which Node turns into a copy for external Buffers, a
// worker, garbage collection), which AddressSanitizer checks (pnpm
// test:asan). Any other buffer still receives through the operation's own
// memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

import { allocReceiveBuffer, availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, expectArgError } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MARKER = Buffer.from('MARKER-0123456789');

describe('allocReceiveBuffer', () => {
  it('makes a Buffer of the size asked for, each with its own memory', () => {
    const a = allocReceiveBuffer(4096);
    const b = allocReceiveBuffer(1);
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a.length).toBe(4096);
    expect(b.length).toBe(1);
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
    expect(native.allocReceiveBuffer).toBe(native.allocReceiveBuffer);
  });

  it.each([
    [0, 'RangeError'],
    [-1, 'RangeError'],
    [2 ** 31, 'RangeError'],
    [1.5, 'RangeError'],
    [Number.NaN, 'RangeError'],
    ['64', 'TypeError'],
    [undefined, 'TypeError'],
  ])('refuses size %p with %s', (size, name) => {
    expectArgError(() => allocReceiveBuffer(size as number), name as 'TypeError' | 'RangeError', 'size');
  });
});

describe.each(availableBackends())('receive buffers on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it('a recv into one is lent to the OS, and the bytes land in it', async () => {
    const [a, b] = t.pair();
    const buf = allocReceiveBuffer(64);
    const pending = t.start((c) => c.recv(b, buf));
    expect(t.core.immediate[2]).toBe(1);
    await t.sendAll(a, MARKER);
    const done = await pending.done;
    expect(done.result).toBe(MARKER.length);
    expect(buf.subarray(0, MARKER.length).equals(MARKER)).toBe(true);
  });

  it('a recv into an ordinary Buffer is not lent, and still gets its bytes', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.alloc(64);
    const pending = t.start((c) => c.recv(b, buf));
    expect(t.core.immediate[2]).toBe(0);
    await t.sendAll(a, MARKER);
    expect((await pending.done).result).toBe(MARKER.length);
    expect(buf.subarray(0, MARKER.length).equals(MARKER)).toBe(true);
    // A send never says lent.
    t.start((c) => c.send(a, Buffer.from('x')));
    expect(t.core.immediate[2]).toBe(0);
    expect((await t.recv(b, 8)).data.toString()).toBe('x');
  });

  it('a view at an offset receives into its own bytes only', async () => {
    const [a, b] = t.pair();
    const buf = allocReceiveBuffer(64).fill(0xaa);
    const view = buf.subarray(16, 16 + 8);
    const pending = t.start((c) => c.recv(b, view));
    expect(t.core.immediate[2]).toBe(1);
    await t.sendAll(a, MARKER);
    expect((await pending.done).result).toBe(8);
    expect(buf.subarray(16, 24).equals(MARKER.subarray(0, 8))).toBe(true);
    expect(buf.subarray(0, 16).every((x) => x === 0xaa)).toBe(true);
    expect(buf.subarray(24).every((x) => x === 0xaa)).toBe(true);
    // The rest of the message waits for the next read.
    expect((await t.recv(b, 64)).data.equals(MARKER.subarray(8))).toBe(true);
  });

  it('a read (the pipe and file operation) into one gets its bytes', async () => {
    const [a, b] = t.pair();
    const buf = allocReceiveBuffer(32);
    const pending = t.start((c) => c.read(b, buf, -1));
    expect(t.core.immediate[2]).toBe(1);
    await t.sendAll(a, MARKER);
    expect((await pending.done).result).toBe(MARKER.length);
    expect(buf.subarray(0, MARKER.length).equals(MARKER)).toBe(true);
  });

  it('a handOutAt recv into one still fills it (its memory is never handed out)', async () => {
    const [a, b] = t.pair();
    const buf = allocReceiveBuffer(64);
    const pending = t.start((c) => c.recv(b, buf, 0, 1));
    await t.sendAll(a, MARKER);
    const done = await pending.done;
    expect(done.result).toBe(MARKER.length);
    expect(done.received).toBeUndefined();
    expect(buf.subarray(0, MARKER.length).equals(MARKER)).toBe(true);
  });

  it('one cannot be transferred away while its recv is pending: a transfer copies it (or is refused)', async () => {
    const [a, b] = t.pair();
    const buf = allocReceiveBuffer(64).fill(0);
    const pending = t.start((c) => c.recv(b, buf));
    // Node marks external Buffers untransferable: structuredClone copies
    // them on Node 20 and throws DataCloneError from Node 21 on.
    let copy: Uint8Array | null = null;
    try {
      const ab = buf.buffer as ArrayBuffer;
      copy = new Uint8Array(structuredClone(ab, { transfer: [ab] }));
    } catch (err) {
      expect((err as Error).name).toBe('DataCloneError');
    }
    expect(buf.byteLength).toBe(64);
    await t.sendAll(a, MARKER);
    expect((await pending.done).result).toBe(MARKER.length);
    expect(buf.subarray(0, MARKER.length).equals(MARKER)).toBe(true);
    if (copy !== null) expect(copy.every((x) => x === 0)).toBe(true);
    await t.sendAll(a, Buffer.from('next'));
    expect((await t.recv(b, 16)).data.toString()).toBe('next');
  });

  it('one dropped and collected while its recv is pending stays valid until the recv is done', async () => {
    const [a, b] = t.pair();
    const pending = ((): Promise<{ result: number }> => {
      const buf = allocReceiveBuffer(1 << 16);
      return t.start((c) => c.recv(b, buf)).done;
    })();
    // The Buffer is garbage now; its finalizer runs as a task after a GC.
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // New receive buffers may not get the old one's memory while the recv
    // still holds it (a registry keyed by address must not alias them).
    const others = Array.from({ length: 8 }, () => allocReceiveBuffer(1 << 16).fill(0x55));
    await t.sendAll(a, Buffer.alloc(1 << 15, 0x77));
    expect((await pending).result).toBeGreaterThan(0);
    for (const o of others) expect(o.every((x) => x === 0x55)).toBe(true);
  });

  it('one sent to a worker that lets it go while its recv is pending: no write into freed memory', async () => {
    const [a, b] = t.pair();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', () => parentPort.postMessage('dropped'));`,
      { eval: true },
    );
    try {
      const buf = allocReceiveBuffer(4096);
      const pending = t.start((c) => c.recv(b, buf));
      const dropped = new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage(buf.buffer, [buf.buffer as ArrayBuffer]);
      expect(await dropped).toBe('dropped');
      await worker.terminate();
      await t.sendAll(a, MARKER);
      expect((await pending.done).result).toBe(MARKER.length);
    } finally {
      await worker.terminate();
    }
  });

  it('close() with receives into one pending leaks no operation, and the buffer stays usable', async () => {
    const [, b] = t.pair();
    const before = native.leakedOperations();
    const buf = allocReceiveBuffer(64);
    for (let i = 0; i < 4; i++) t.start((c) => c.recv(b, buf.subarray(i * 16, i * 16 + 16)));
    await t.dispose();
    expect(native.leakedOperations()).toBe(before);
    buf.fill(3);
    expect(buf.every((x) => x === 3)).toBe(true);
  });
});
