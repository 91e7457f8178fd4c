// Memory the kernel reads or writes outlives whatever JavaScript does with
// the buffer it passed: a buffer transferred (structuredClone, postMessage)
// while its receive or send is pending never lets the kernel write into, or
// read from, memory that now belongs to someone else; a buffer that is
// already detached is refused with TypeError and the data stays readable;
// a normal teardown leaks nothing.
import { Worker } from 'node:worker_threads';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, thrown } from './helpers';

/** A Uint8Array over an ArrayBuffer that was transferred away. */
function detachedView(): Uint8Array {
  const ab = new ArrayBuffer(16);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

const MARKER = Buffer.from('MARKER-0123456789');

describe.each(availableBackends())('buffer lifetime on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it.each(['recv', 'send', 'recvFrom', 'read', 'write'] as const)(
    '%s of a detached buffer throws TypeError and the data stays readable',
    async (method) => {
      const [a, b] = t.pair();
      await t.sendAll(a, Buffer.from('abc'));
      const err = thrown(() => t.core[method](b, detachedView()));
      expect(err.name).toBe('TypeError');
      expect(err.message).toMatch(/\bbuffer\b.*detached/);
      expect(t.core.pending).toBe(0);
      const { result, data } = await t.recv(b, 16);
      expect(result).toBe(3);
      expect(data.toString()).toBe('abc');
    },
  );

  it('sendTo of a detached buffer throws TypeError and sends nothing', async () => {
    const u = t.udp();
    const err = thrown(() => t.core.sendTo(u.handle, detachedView(), 0, u.address));
    expect(err.name).toBe('TypeError');
    expect(t.core.pending).toBe(0);
    const got = t.start((c) => c.recvFrom(u.handle, Buffer.alloc(16)));
    expect((await t.run((c) => c.sendTo(u.handle, Buffer.from('ok'), 0, u.address))).result).toBe(2);
    expect((await got.done).result).toBe(2);
  });

  it('a recv whose buffer is transferred by structuredClone never writes into the new owner', async () => {
    const [a, b] = t.pair();
    const buf = new Uint8Array(new ArrayBuffer(64));
    const pending = t.start((c) => c.recv(b, buf));
    const taken = new Uint8Array(structuredClone(buf.buffer, { transfer: [buf.buffer] }));
    expect(buf.byteLength).toBe(0);
    await t.sendAll(a, MARKER);
    const done = await pending.done;
    // The bytes arrived for a buffer that no longer has them: dropped.
    expect(done.result).toBe(MARKER.length);
    expect(Buffer.from(taken).includes(MARKER.subarray(0, 6))).toBe(false);
    expect(taken.every((x) => x === 0)).toBe(true);
    // The socket still works.
    await t.sendAll(a, Buffer.from('next'));
    expect((await t.recv(b, 16)).data.toString()).toBe('next');
  });

  it('a recv whose buffer is transferred to a worker never writes into the worker\'s buffer', async () => {
    const [a, b] = t.pair();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       let held = null;
       parentPort.on('message', (m) => {
         if (m instanceof ArrayBuffer) { held = new Uint8Array(m); parentPort.postMessage('held'); }
         else parentPort.postMessage(Array.from(held));
       });`,
      { eval: true },
    );
    try {
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
      const buf = new Uint8Array(new ArrayBuffer(64));
      const pending = t.start((c) => c.recv(b, buf));
      const held = next();
      worker.postMessage(buf.buffer, [buf.buffer]);
      expect(await held).toBe('held');
      expect(buf.byteLength).toBe(0);
      await t.sendAll(a, MARKER);
      expect((await pending.done).result).toBe(MARKER.length);
      const contents = next();
      worker.postMessage('dump');
      expect(((await contents) as number[]).every((x) => x === 0)).toBe(true);
    } finally {
      await worker.terminate();
    }
  });

  it('a send whose buffer is transferred and overwritten still sends the bytes it was given', async () => {
    const [a, b] = t.pair();
    const size = 1 << 20;
    const original = Buffer.alloc(size);
    for (let i = 0; i < size; i++) original[i] = (i * 7 + 3) & 0xff;
    // A first send fills the socket, so the second one waits its turn.
    const first = t.start((c) => c.send(a, Buffer.alloc(4 * size, 1)));
    const buf = new Uint8Array(new ArrayBuffer(size));
    buf.set(original);
    const second = t.start((c) => c.send(a, buf));
    const taken = new Uint8Array(structuredClone(buf.buffer, { transfer: [buf.buffer] }));
    taken.fill(0xee);
    const received = t.recvExactly(b, 8 * size);
    const r1 = (await first.done).result;
    const r2 = (await second.done).result;
    expect(r1).toBeGreaterThan(0);
    expect(r2).toBeGreaterThan(0);
    expect(native.shutdown(a, native.constants.SHUT_WR)).toBe(0);
    const got = await received;
    expect(got.length).toBe(r1 + r2);
    expect(got.subarray(r1).equals(original.subarray(0, r2))).toBe(true);
  });

  it('close() with operations pending leaks no operation', async () => {
    const [, b] = t.pair();
    const before = native.leakedOperations();
    for (let i = 0; i < 10; i++) t.start((c) => c.recv(b, Buffer.alloc(8)));
    await t.dispose();
    expect(native.leakedOperations()).toBe(before);
    t = new Harness(backend);
  });
});
