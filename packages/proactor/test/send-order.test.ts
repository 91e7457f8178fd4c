// Full, ordered stream sends (issue 9, section 2): on every backend a send on
// a stream socket or pipe completes with its whole length or an error, and
// sends on one handle go out in the order they were issued, as an
// overlapped WSASend/WriteFile does on Windows.
import { ConnectionResetError } from '@iocp/futures';
import { IocpProactor, pipe, Socket } from '@iocp/proactor';
import type { Connection } from '@iocp/proactor';

import { proactorPerTest, tcpPair } from './helpers';

const MiB = 1024 * 1024;
// Moving megabytes through small buffers takes a while under Wine.
const SLOW_MS = 30000;

/** A buffer whose every byte depends on its position and on `seed`. */
function pattern(length: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 7 + seed * 31 + (i >>> 8)) & 0xff;
  return buf;
}

/** Reads conn through the proactor until the peer closes. */
async function readToEof(proactor: IocpProactor, conn: Connection): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = await proactor.recv(conn, 64 * 1024);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
  }
}

/** The offset of the first byte where got differs from want, or -1. */
function firstDifference(got: Buffer, want: Buffer): number {
  if (got.equals(want)) return -1;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return want.length;
}

describe('IocpProactor stream sends', () => {
  let proactor!: IocpProactor;
  const { closeMe } = proactorPerTest((p) => (proactor = p));

  /** A TCP pair with small kernel buffers, so a 1 MiB send cannot fit at once. */
  async function smallBufferPair(): Promise<[Socket, Socket]> {
    const [lsock, client, server] = await tcpPair(proactor);
    closeMe.push(lsock, client, server);
    // Far below 1 MiB, yet not so small that loopback TCP crawls.
    client.setsockopt('SO_SNDBUF', 16384);
    server.setsockopt('SO_RCVBUF', 16384);
    return [client, server];
  }

  it('two 1 MiB sends issued back to back each complete in full, A entirely before B', async () => {
    const [client, server] = await smallBufferPair();
    const a = pattern(MiB, 1);
    const b = pattern(MiB, 2);
    const reading = readToEof(proactor, server);
    const sent = await Promise.all([proactor.send(client, a), proactor.send(client, b)]);
    client.close();
    const got = await reading;
    expect(sent).toEqual([MiB, MiB]);
    expect(got.length).toBe(2 * MiB);
    expect(firstDifference(got.subarray(0, MiB), a)).toBe(-1);
    expect(firstDifference(got.subarray(MiB), b)).toBe(-1);
  }, SLOW_MS);

  it('50 concurrent sends of distinct patterns arrive whole and in the order issued', async () => {
    const [client, server] = await smallBufferPair();
    const bufs = Array.from({ length: 50 }, (_, k) => pattern(40 * 1024 + k * 997, k + 3));
    const reading = readToEof(proactor, server);
    const results = await Promise.all(bufs.map((buf) => proactor.send(client, buf)));
    client.close();
    const got = await reading;
    const want = Buffer.concat(bufs);
    expect(results).toEqual(bufs.map((buf) => buf.length));
    expect(got.length).toBe(want.length);
    expect(firstDifference(got, want)).toBe(-1);
  }, SLOW_MS);

  it('sends through a one-way pipe are whole and ordered too', async () => {
    const [r, w] = pipe({ duplex: false });
    closeMe.push(r, w);
    const a = pattern(MiB, 4);
    const b = pattern(MiB, 5);
    const reading = readToEof(proactor, r);
    const sent = await Promise.all([proactor.send(w, a), proactor.send(w, b)]);
    w.close();
    const got = await reading;
    expect(sent).toEqual([MiB, MiB]);
    expect(got.length).toBe(2 * MiB);
    expect(firstDifference(got.subarray(0, MiB), a)).toBe(-1);
    expect(firstDifference(got.subarray(MiB), b)).toBe(-1);
  }, SLOW_MS);

  it('closing a socket under a partly sent send rejects it with ConnectionResetError, never a short count', async () => {
    const [client, server] = await smallBufferPair();
    const sending = proactor.send(client, pattern(4 * MiB, 8));
    // Part of the buffer is on the wire once the peer can read some of it.
    expect((await proactor.recv(server, 4096)).length).toBeGreaterThan(0);
    client.close();
    await expect(sending).rejects.toBeInstanceOf(ConnectionResetError);
  });

  it('a UDP send stays one datagram', async () => {
    const rx = new Socket('inet', 'dgram');
    const tx = new Socket('inet', 'dgram');
    closeMe.push(rx, tx);
    rx.bind(['127.0.0.1', 0]);
    await proactor.connect(tx, rx.getsockname());
    const d1 = pattern(1000, 6);
    const d2 = pattern(1500, 7);
    const s1 = proactor.send(tx, d1);
    const s2 = proactor.send(tx, d2);
    expect(await s1).toBe(1000);
    expect(await s2).toBe(1500);
    const [g1] = await proactor.recvfrom(rx, 4096);
    const [g2] = await proactor.recvfrom(rx, 4096);
    expect(firstDifference(g1, d1)).toBe(-1);
    expect(firstDifference(g2, d2)).toBe(-1);
  });
});
