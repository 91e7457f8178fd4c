// Memory the kernel reads or writes outlives whatever JavaScript does with
// the buffer it passed: a buffer transferred (structuredClone, postMessage)
// while its receive or send is pending never lets the kernel write into, or
// read from, memory that now belongs to someone else; a buffer that is
// already detached is refused with TypeError and the data stays readable;
// a normal teardown leaks nothing.
import { Worker } from 'node:worker_threads';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, expectArgError, thrown } from './helpers';

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
    expect((await t.run((c) => c.sendTo(u.handle, Buffer.from('ok'), 0, u.address))).result).toBe(
      2,
    );
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

  it("a recv whose buffer is transferred to a worker never writes into the worker's buffer", async () => {
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

  // dropBuffer(id): a pending receive stops pointing at the buffer it was
  // given, so whatever it brings is never copied there (the transports use
  // it when they close with a read in flight into a BufferedProtocol's
  // buffer, which the protocol may reuse at once).
  describe('dropBuffer', () => {
    beforeEach(() => {
      t.core.allowImmediate(true);
    });

    it('a pending recv completes with its count but leaves the dropped buffer untouched', async () => {
      const [a, b] = t.pair();
      const buf = Buffer.alloc(64, 0xaa);
      const op = t.start((core) => core.recv(b, buf));
      expect(op.id).toBeGreaterThanOrEqual(0);
      expect(t.core.dropBuffer(op.id)).toBe(true);
      // Twice: the second finds no buffer to drop.
      expect(t.core.dropBuffer(op.id)).toBe(false);
      await t.sendAll(a, Buffer.from('dropped bytes'));
      const c = await op.done;
      expect(c.result).toBe('dropped bytes'.length);
      expect(buf.every((x) => x === 0xaa)).toBe(true);
      // The receive took those bytes: the next one gets what follows them.
      await t.sendAll(a, Buffer.from('next'));
      const next = await t.recv(b, 64);
      expect(next.data.toString()).toBe('next');
    });

    it('a pending read (read at the current position) drops its buffer the same way', async () => {
      const [a, b] = t.pair();
      const buf = Buffer.alloc(32, 0x55);
      const op = t.start((core) => core.read(b, buf, -1));
      expect(t.core.dropBuffer(op.id)).toBe(true);
      await t.sendAll(a, Buffer.from('xyz'));
      expect((await op.done).result).toBe(3);
      expect(buf.every((x) => x === 0x55)).toBe(true);
    });

    it('is false for what has no buffer to drop: an unknown id, a send, a receive given a size', async () => {
      const [a, b] = t.pair();
      expect(t.core.dropBuffer(0x7fffff)).toBe(false);
      const sized = t.start((core) => core.recv(b, 16));
      expect(t.core.dropBuffer(sized.id)).toBe(false);
      await t.sendAll(a, Buffer.from('sized'));
      const c = await sized.done;
      expect(c.result).toBe(5);
      expect(c.received?.toString()).toBe('sized');
      // A send finished during its call has no id left; one that waits is
      // found but has no buffer of the caller's (it owns a copy).
      t.core.allowImmediate(false);
      const send = t.start((core) => core.send(a, Buffer.from('s')));
      expect(t.core.dropBuffer(send.id)).toBe(false);
      expect((await send.done).result).toBe(1);
      expect((await t.recv(b, 8)).data.toString()).toBe('s');
    });

    it('a finished op is not found', async () => {
      const [a, b] = t.pair();
      const buf = Buffer.alloc(8);
      const op = t.start((core) => core.recv(b, buf));
      await t.sendAll(a, Buffer.from('ok'));
      expect((await op.done).result).toBe(2);
      expect(buf.subarray(0, 2).toString()).toBe('ok');
      expect(t.core.dropBuffer(op.id)).toBe(false);
    });

    it('throws TypeError for an id that is not a number', () => {
      expectArgError(() => t.core.dropBuffer('1' as unknown as number), 'TypeError', 'id');
    });

    it('leaves a recvFrom into a buffer untouched too', async () => {
      const u1 = t.udp();
      const u2 = t.udp();
      const buf = Buffer.alloc(16, 0x11);
      const op = t.start((core) => core.recvFrom(u2.handle, buf));
      expect(t.core.dropBuffer(op.id)).toBe(true);
      const sent = await t.run((core) =>
        core.sendTo(u1.handle, Buffer.from('dgram'), 0, u2.address),
      );
      expect(sent.result).toBe(5);
      expect((await op.done).result).toBe(5);
      expect(buf.every((x) => x === 0x11)).toBe(true);
    });
  });
});
