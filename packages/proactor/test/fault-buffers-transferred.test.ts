// Fault tests: buffers transferred (structuredClone with a transfer list) or
// detached while operations on them are pending. The kernel never sees a
// JavaScript buffer (see the @iocp/native README, "Buffers"): a send owns a
// copy, so its data still goes out whole; a receive into a buffer that was
// taken away drops its bytes (its count still says how many arrived) and
// never writes into memory that now belongs to someone else; nothing
// crashes, and the connection and the proactor keep working. Runs on every
// backend.
import { IocpProactor, Socket } from '@iocp/proactor';

import { tcpPair } from './helpers';

/** Takes a buffer's memory away (the view becomes empty), as postMessage with a transfer list does. */
function transfer(buf: Uint8Array): ArrayBuffer {
  const memory = buf.buffer as ArrayBuffer;
  return structuredClone(memory, { transfer: [memory] });
}

describe('buffers transferred while operations are pending', () => {
  let proactor: IocpProactor;
  let sockets: Socket[];

  beforeEach(async () => {
    proactor = new IocpProactor();
    sockets = await tcpPair(proactor);
  });

  afterEach(async () => {
    for (const s of sockets) s.close();
    await proactor.close();
  });

  async function recvExactly(sock: Socket, n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await proactor.recv(sock, n - got);
      if (part.length === 0) throw new Error(`EOF after ${got} of ${n} bytes`);
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts);
  }

  it('a pending send whose buffer is transferred still sends its data whole', async () => {
    const [, client, server] = sockets;
    // Fill the connection so the next send waits, then take its buffer away.
    const fillers: Promise<number>[] = [];
    const block = Buffer.alloc(1 << 20, 0x11);
    let sent = 0;
    for (let i = 0; i < 64; i++) {
      const f = proactor.send(client, block);
      fillers.push(Promise.resolve(f));
      sent += block.length;
      if (!f.done()) break;
    }
    const data = new Uint8Array(256 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    const expected = Buffer.from(data);
    const pending = proactor.send(client, data);
    const moved = new Uint8Array(transfer(data));
    expect(data.byteLength).toBe(0);
    moved.fill(0xee); // Whoever owns the memory now may write it.
    const received = recvExactly(server, sent + expected.length);
    expect(await pending).toBe(expected.length);
    await Promise.all(fillers);
    const all = await received;
    expect(all.subarray(sent).equals(expected)).toBe(true);
  });

  it('a pending recvInto whose buffer is transferred drops its bytes, and the connection goes on', async () => {
    const [, client, server] = sockets;
    const target = new Uint8Array(64);
    const reading = proactor.recvInto(server, target);
    const moved = new Uint8Array(transfer(target));
    moved.fill(0x33);
    await proactor.send(client, Buffer.from('dropped'));
    // The count says what arrived; the bytes went nowhere.
    expect(await reading).toBe(7);
    expect(moved.every((b) => b === 0x33)).toBe(true);
    expect(target.byteLength).toBe(0);
    // The next receive gets the next bytes.
    const next = proactor.recv(server, 100);
    await proactor.send(client, Buffer.from('kept'));
    expect((await next).toString()).toBe('kept');
  });

  it('recvfromInto into a transferred buffer drops its datagram, and the socket goes on', async () => {
    const a = new Socket('inet', 'dgram');
    const b = new Socket('inet', 'dgram');
    sockets.push(a, b);
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    const target = new Uint8Array(64);
    const reading = proactor.recvfromInto(b, target);
    transfer(target);
    await proactor.sendto(a, Buffer.from('gone'), 0, b.getsockname());
    const [n] = await reading;
    expect(n).toBe(4);
    const next = proactor.recvfrom(b, 100);
    await proactor.sendto(a, Buffer.from('here'), 0, b.getsockname());
    const [data] = await next;
    expect(data.toString()).toBe('here');
  });

  it('many receives and sends with buffers transferred at random moments: no crash, every send whole', async () => {
    const [, client, server] = sockets;
    const rounds = 200;
    let expected = 0;
    const sends: Promise<number>[] = [];
    const reads: Promise<number>[] = [];
    for (let i = 0; i < rounds; i++) {
      const buf = new Uint8Array(100 + (i % 50)).fill(i & 0xff);
      expected += buf.length;
      sends.push(Promise.resolve(proactor.send(client, buf)));
      if (i % 3 === 0) transfer(buf);
      const into = new Uint8Array(512);
      reads.push(Promise.resolve(proactor.recvInto(server, into)));
      if (i % 2 === 0) transfer(into);
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const counts = await Promise.all(sends);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(expected);
    // A receive takes whatever is queued when it runs (several sends' worth,
    // or part of one), so fewer receives than sends may hold every byte: the
    // end of the stream finishes the receives that find nothing left.
    client.shutdown('write');
    // Every byte sent is counted by exactly one receive, transferred or not.
    let got = (await Promise.all(reads)).reduce((x, y) => x + y, 0);
    while (got < expected) got += (await proactor.recv(server, expected - got)).length;
    expect(got).toBe(expected);
  });
});
