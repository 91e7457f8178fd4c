// Bulk bytes without copies in this process: a receive asked to hand out
// its bytes (recv/read's handOutAt) gives large results as a new Buffer over
// the memory the OS wrote, leaving the caller's buffer alone, and a send
// goes out from the caller's bytes when the OS takes it during the call,
// while one that waits owns a copy before the call returns (whatever the
// caller does with its buffer afterwards).
import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, expectArgError } from './helpers';

/** size bytes of a pattern that differs at every offset of a 64 KiB window. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8) + seed) & 0xff;
  return out;
}

describe.each(availableBackends())('zero-copy receives and sends on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
    t.core.allowImmediate(true);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it('a receive of at least handOutAt bytes comes as its own Buffer; the buffer given is untouched', async () => {
    const [a, b] = t.pair();
    const data = pattern(48 * 1024, 1);
    await t.sendAll(a, data);
    const got: Buffer[] = [];
    const scratch = Buffer.alloc(64 * 1024, 0xaa);
    let total = 0;
    while (total < data.length) {
      const c = await t.run((core) => core.recv(b, scratch, 0, 1024));
      expect(c.result).toBeGreaterThan(0);
      if (c.result >= 1024) {
        expect(c.received).toBeInstanceOf(Buffer);
        expect(c.received!.length).toBe(c.result);
        got.push(c.received!);
      } else {
        // A short one (the stream may split anywhere) is copied as before.
        expect(c.received).toBeUndefined();
        got.push(Buffer.from(scratch.subarray(0, c.result)));
      }
      total += c.result;
    }
    expect(Buffer.concat(got).equals(data)).toBe(true);
    // Every large result was handed out, so nothing was written here.
    if (got.every((g) => g.length >= 1024)) expect(scratch.every((x) => x === 0xaa)).toBe(true);
    // The core empties its slots once each batch's callback returned
    // (this test resumed in that callback's microtasks).
    await new Promise((resolve) => setImmediate(resolve));
    const last = t.core.received.length - 1;
    const left = t.core.received.flatMap((x, i) => (x === undefined || i === last ? [] : [i]));
    expect(left).toEqual([]);
    // The last slot (a receive finished during its call, io_uring) is
    // emptied when the next operation starts.
    // (dispose cancels it.)
    t.start((core) => core.recv(b, Buffer.alloc(8)));
    expect(t.core.received[last]).toBeUndefined();
  });

  it('a receive below handOutAt is copied into the buffer given, with no Buffer handed out', async () => {
    const [a, b] = t.pair();
    await t.sendAll(a, Buffer.from('short'));
    const scratch = Buffer.alloc(1024);
    const c = await t.run((core) => core.recv(b, scratch, 0, 4096));
    expect(c.result).toBe(5);
    expect(c.received).toBeUndefined();
    expect(scratch.subarray(0, 5).toString()).toBe('short');
  });

  it('handed-out Buffers are independent: later receives never write into earlier ones', async () => {
    const [a, b] = t.pair();
    const chunks: Buffer[] = [];
    const expected: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      const data = pattern(32 * 1024, i * 17);
      expected.push(data);
      await t.sendAll(a, data);
      const parts: Buffer[] = [];
      let got = 0;
      while (got < data.length) {
        const scratch = Buffer.alloc(data.length - got);
        const c = await t.run((core) => core.recv(b, scratch, 0, 1));
        expect(c.received).toBeInstanceOf(Buffer);
        parts.push(c.received!);
        got += c.result;
      }
      chunks.push(Buffer.concat(parts));
      // Keep the handed-out Buffers themselves alive and compare at the end.
      chunks.push(...parts);
    }
    let k = 0;
    for (const data of expected) {
      const whole = chunks[k++];
      expect(whole.equals(data)).toBe(true);
      let off = 0;
      while (off < data.length) {
        const part = chunks[k++];
        expect(part.equals(data.subarray(off, off + part.length))).toBe(true);
        off += part.length;
      }
    }
  });

  it('read hands out as recv does (a pipe or socket read at the current position)', async () => {
    const [a, b] = t.pair();
    const data = pattern(20 * 1024, 5);
    await t.sendAll(a, data);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < data.length) {
      const scratch = Buffer.alloc(64 * 1024);
      const c = await t.run((core) => core.read(b, scratch, -1, 1));
      expect(c.result).toBeGreaterThan(0);
      expect(c.received).toBeInstanceOf(Buffer);
      parts.push(c.received!);
      got += c.result;
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('end of file and errors hand out nothing', async () => {
    const [a, b] = t.pair();
    expect(native.shutdown(a, C.SHUT_WR)).toBe(0);
    const c = await t.run((core) => core.recv(b, Buffer.alloc(64), 0, 1));
    expect(c.result).toBe(0);
    expect(c.received).toBeUndefined();
  });

  it('recv and read given a size make a Buffer of exactly the bytes received', async () => {
    const [a, b] = t.pair();
    await t.sendAll(a, Buffer.from('twelve bytes'));
    const small = await t.run((core) => core.recv(b, 4096, 0, 16 * 1024));
    expect(small.result).toBe(12);
    // A copy of exactly the bytes: nothing of size 4096 kept alive.
    expect(small.received!.toString()).toBe('twelve bytes');
    expect(small.received!.buffer.byteLength).toBe(12);
    const data = pattern(40 * 1024, 7);
    await t.sendAll(a, data);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < data.length) {
      const c = await t.run((core) => core.read(b, 64 * 1024, -1, 1024));
      expect(c.received).toBeInstanceOf(Buffer);
      expect(c.received!.length).toBe(c.result);
      parts.push(c.received!);
      got += c.result;
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(native.shutdown(a, C.SHUT_WR)).toBe(0);
    const eof = await t.run((core) => core.recv(b, 4096));
    expect(eof.result).toBe(0);
    expect(eof.received).toBeUndefined();
  });

  it('recvFrom given a size makes a Buffer of exactly the datagram, with its sender', async () => {
    const u = t.udp();
    const got = t.start((core) => core.recvFrom(u.handle, 4096, 0, 1024));
    expect((await t.run((core) => core.sendTo(u.handle, Buffer.from('dgram'), 0, u.address))).result).toBe(5);
    const c = await got.done;
    expect(c.result).toBe(5);
    expect(c.received!.toString()).toBe('dgram');
    expect(c.received!.buffer.byteLength).toBe(5);
    expect(c.address).not.toBeNull();
  });

  it.each([
    ['0', 'RangeError', 0],
    ['a negative number', 'RangeError', -5],
    ['a fraction', 'RangeError', 2.5],
    ['too large', 'RangeError', 2 ** 31],
  ] as const)('a size of %s throws %s and starts nothing', (_what, kind, value) => {
    const [, b] = t.pair();
    expectArgError(() => t.core.recv(b, value), kind, 'size');
    expectArgError(() => t.core.read(b, value), kind, 'size');
    expectArgError(() => t.core.recvFrom(b, value), kind, 'size');
    expect(t.core.pending).toBe(0);
  });

  it.each([
    ['a negative number', 'RangeError', -1],
    ['a fraction', 'RangeError', 1.5],
    ['a string', 'TypeError', '16'],
  ] as const)('handOutAt as %s throws %s and starts nothing', (_what, kind, value) => {
    const [, b] = t.pair();
    expectArgError(() => t.core.recv(b, Buffer.alloc(8), 0, value as number), kind, 'handOutAt');
    expectArgError(() => t.core.read(b, Buffer.alloc(8), -1, value as number), kind, 'handOutAt');
    expect(t.core.pending).toBe(0);
  });

  it('a send that waits owns its bytes when the call returns: overwriting or transferring the buffer changes nothing', async () => {
    const [a, b] = t.pair();
    // A small send buffer makes the send go out in parts: the first part
    // from the caller's bytes (Linux), the rest from the op's own copy.
    native.setsockopt(a, C.SOL_SOCKET, C.SO_SNDBUF, 8192);
    const size = 1 << 20;
    const original = pattern(size, 9);
    const buf = new Uint8Array(new ArrayBuffer(size));
    buf.set(original);
    const sent = t.start((core) => core.send(a, buf));
    buf.fill(0x55);
    const taken = new Uint8Array(structuredClone(buf.buffer, { transfer: [buf.buffer] }));
    taken.fill(0xee);
    const received = t.recvExactly(b, size);
    expect((await sent.done).result).toBe(size);
    expect((await received).equals(original)).toBe(true);
  });

  it('a send taken whole during the call reports its length at once and the bytes are the ones given', async () => {
    const [a, b] = t.pair();
    const data = pattern(16 * 1024, 3);
    const c = await t.run((core) => core.send(a, data));
    expect(c.result).toBe(data.length);
    // Linux: taken during the call (no completion record).
    if (backend !== 'iocp') expect(c.immediate).toBe(true);
    data.fill(0);
    expect((await t.recvExactly(b, 16 * 1024)).equals(pattern(16 * 1024, 3))).toBe(true);
  });

  it('sends queued behind a waiting one keep their order and their bytes', async () => {
    const [a, b] = t.pair();
    native.setsockopt(a, C.SOL_SOCKET, C.SO_SNDBUF, 8192);
    const parts = [pattern(300 * 1024, 1), pattern(20 * 1024, 2), pattern(9 * 1024, 3), pattern(100, 4)];
    const bufs = parts.map((p) => Buffer.from(p));
    const sends = bufs.map((buf) => t.start((core) => core.send(a, buf)));
    for (const buf of bufs) buf.fill(0);
    const total = parts.reduce((n, p) => n + p.length, 0);
    const received = t.recvExactly(b, total);
    for (const [i, s] of sends.entries()) expect((await s.done).result).toBe(parts[i].length);
    expect((await received).equals(Buffer.concat(parts))).toBe(true);
  });
});
