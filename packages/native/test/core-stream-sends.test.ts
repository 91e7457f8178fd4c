// A stream send completes with its whole length or an error on every backend
// (issue 9, section 2), as an overlapped WSASend does on Windows: a cancel or
// an error that comes after part of the buffer went out is reported as such,
// never as a short count.
import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, codeOf } from './helpers';

const SIZE = 4 * 1024 * 1024;

function pattern(length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 7 + (i >>> 10)) & 0xff;
  return buf;
}

describe.each(availableBackends())('stream sends on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  /** A connected pair with small buffers: a send of SIZE cannot fit at once. */
  function smallPair(): [number, number] {
    const [a, b] = t.pair();
    expect(native.setsockopt(a, C.SOL_SOCKET, C.SO_SNDBUF, 16384)).toBe(0);
    expect(native.setsockopt(b, C.SOL_SOCKET, C.SO_RCVBUF, 16384)).toBe(0);
    return [a, b];
  }

  it('a send cancelled after part of it went out completes cancelled, and the peer got a prefix', async () => {
    const [a, b] = smallPair();
    const data = pattern(SIZE);
    const sending = t.start((c) => c.send(a, data));
    // Part of the buffer is on the wire once the peer can read some of it.
    const first = await t.recv(b, 4096);
    expect(first.result).toBeGreaterThan(0);
    t.core.cancel(sending.id);
    const sent = await sending.done;
    expect(codeOf(sent.result)).toBe('ECANCELED');
    // What arrived is the start of the buffer, in order, and not all of it.
    t.closeSocket(a);
    const rest = await t.recvExactly(b, SIZE);
    const got = Buffer.concat([first.data, rest]);
    expect(got.length).toBeLessThan(SIZE);
    expect(got.equals(data.subarray(0, got.length))).toBe(true);
  });

  it('a send that fails after part of it went out completes with the error', async () => {
    const [a, b] = smallPair();
    const sending = t.run((c) => c.send(a, pattern(SIZE)));
    expect((await t.recv(b, 4096)).result).toBeGreaterThan(0);
    // The peer goes away with data unread: the rest cannot be sent.
    t.closeSocket(b);
    const sent = await sending;
    expect(sent.result).toBeLessThan(0);
  });

  it('a send and a write that fit complete in full at once', async () => {
    const [a, b] = t.pair();
    const data = pattern(1000);
    expect((await t.run((c) => c.send(a, data))).result).toBe(1000);
    expect((await t.run((c) => c.write(a, data, -1))).result).toBe(1000);
    const got = await t.recvExactly(b, 2000);
    expect(got.equals(Buffer.concat([data, data]))).toBe(true);
  });
});
