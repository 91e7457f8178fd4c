// The IOCP backend's socket operations (AcceptEx, ConnectEx, WSARecv/WSASend,
// WSARecvFrom/WSASendTo, ReadFile/WriteFile on a socket, cancellation),
// checked on Windows and under Wine.
import { native } from '@iocp/native';

import {
  ERROR_OPERATION_ABORTED,
  Harness,
  describeWindows,
  encode,
  name,
  peer,
  port,
} from './win-harness';

const c = native.constants;

describeWindows('iocp sockets', () => {
  let h: Harness;

  beforeEach(() => {
    h = new Harness();
  });

  afterEach(async () => {
    await h.close();
  });

  it.each([
    ['IPv4', c.AF_INET, '127.0.0.1'],
    ['IPv6', c.AF_INET6, '::1'],
  ])(
    'accept (%s) resolves to a socket and the peer address AcceptEx reported',
    async (_label, family, host) => {
      const [listener, listenPort] = h.listener(family);
      const accepted = h.done(h.core.accept(listener, family));
      const client = h.socket(family, c.SOCK_STREAM);
      h.associate(client);
      const connected = h.done(h.core.connect(client, encode(family, host, listenPort), family));
      const [a, b] = await Promise.all([accepted, connected]);
      expect(b.result).toBe(0);
      expect(a.result).toBeGreaterThan(0);
      const conn = h.adopt(a.result);
      expect(a.address).toEqual(name(client));
      // SO_UPDATE_ACCEPT_CONTEXT and SO_UPDATE_CONNECT_CONTEXT make these work
      // on Windows (Wine answers getpeername without them).
      expect(peer(conn)).toEqual(name(client));
      expect(peer(client)).toEqual(name(listener));
      expect(native.shutdown(conn, c.SHUT_WR)).toBe(0);
      expect(native.shutdown(client, c.SHUT_WR)).toBe(0);
    },
  );

  it('connect binds an unbound socket to the wildcard address first', async () => {
    const [, listenPort] = h.listener();
    const client = h.socket(c.AF_INET, c.SOCK_STREAM);
    h.associate(client);
    expect(native.getsockname(client)).toBeLessThan(0);
    expect(
      (await h.done(h.core.connect(client, encode(c.AF_INET, '127.0.0.1', listenPort), c.AF_INET)))
        .result,
    ).toBe(0);
    expect(port(client)).toBeGreaterThan(0);
  });

  it('connect to a port nobody listens on fails with ECONNREFUSED', async () => {
    // Find a free port: bind, read it, close.
    const probe = native.socket(c.AF_INET, c.SOCK_STREAM);
    expect(native.bind(probe, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    const freePort = port(probe);
    native.closeSocket(probe);
    const client = h.socket(c.AF_INET, c.SOCK_STREAM);
    h.associate(client);
    const id = h.core.connect(client, encode(c.AF_INET, '127.0.0.1', freePort), c.AF_INET);
    // Windows retries for about two seconds, then completes with
    // ERROR_CONNECTION_REFUSED (Wine completes it at once).
    const result = id < 0 ? id : (await h.done(id)).result;
    expect(result).toBeLessThan(0);
    expect(native.errorName(result)).toBe('ECONNREFUSED');
  });

  it('send and recv move bytes, and recv resolves to 0 once the peer shuts down', async () => {
    const [a, b] = h.pair();
    const buf = Buffer.alloc(64);
    const received = h.done(h.core.recv(b, buf));
    const sent = await h.done(h.core.send(a, Buffer.from('hello iocp')));
    expect(sent.result).toBe(10);
    const r = await received;
    expect(buf.subarray(0, r.result).toString()).toBe('hello iocp');
    expect(native.shutdown(a, c.SHUT_WR)).toBe(0);
    expect((await h.done(h.core.recv(b, buf))).result).toBe(0);
  });

  it('a large send completes with every byte, read back by several recvs', async () => {
    const [a, b] = h.pair();
    const data = Buffer.alloc(4 << 20, 7);
    for (let i = 0; i < data.length; i += 4093) data[i] = i & 0xff;
    const sending = h.done(h.core.send(a, data));
    const got: Buffer[] = [];
    let total = 0;
    while (total < data.length) {
      const chunk = Buffer.alloc(256 * 1024);
      const n = (await h.done(h.core.recv(b, chunk))).result;
      expect(n).toBeGreaterThan(0);
      got.push(chunk.subarray(0, n));
      total += n;
    }
    expect((await sending).result).toBe(data.length);
    expect(Buffer.concat(got).equals(data)).toBe(true);
  });

  it('recv with MSG_PEEK leaves the bytes for the next recv', async () => {
    const [a, b] = h.pair();
    await h.done(h.core.send(a, Buffer.from('peek')));
    const buf = Buffer.alloc(4);
    expect((await h.done(h.core.recv(b, buf, c.MSG_PEEK))).result).toBe(4);
    expect((await h.done(h.core.recv(b, Buffer.alloc(4)))).result).toBe(4);
  });

  it('read and write (ReadFile/WriteFile) work on a socket handle, and read resolves to 0 at EOF', async () => {
    const [a, b] = h.pair();
    expect((await h.done(h.core.write(a, Buffer.from('file api')))).result).toBe(8);
    const buf = Buffer.alloc(16);
    const n = (await h.done(h.core.read(b, buf))).result;
    expect(buf.subarray(0, n).toString()).toBe('file api');
    expect(native.shutdown(a, c.SHUT_WR)).toBe(0);
    expect((await h.done(h.core.read(b, buf))).result).toBe(0);
  });

  it('recvFrom reports the sender, and sendTo reaches the address it was given', async () => {
    const rx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    const tx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    expect(native.bind(rx, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    expect(native.bind(tx, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    h.associate(rx);
    h.associate(tx);
    const buf = Buffer.alloc(100);
    const receiving = h.done(h.core.recvFrom(rx, buf));
    const sent = await h.done(
      h.core.sendTo(tx, Buffer.from('datagram'), 0, encode(c.AF_INET, '127.0.0.1', port(rx))),
    );
    expect(sent.result).toBe(8);
    const r = await receiving;
    expect(r.result).toBe(8);
    expect(buf.subarray(0, 8).toString()).toBe('datagram');
    expect(r.address).toEqual(['127.0.0.1', port(tx)]);
  });

  it('recvFrom of a datagram longer than the buffer resolves to the bytes that fit', async () => {
    const rx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    const tx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    expect(native.bind(rx, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    h.associate(rx);
    h.associate(tx);
    const buf = Buffer.alloc(4);
    const receiving = h.done(h.core.recvFrom(rx, buf));
    await h.done(
      h.core.sendTo(tx, Buffer.from('truncated'), 0, encode(c.AF_INET, '127.0.0.1', port(rx))),
    );
    const r = await receiving;
    expect(r.result).toBe(4);
    expect(buf.toString()).toBe('trun');
    expect(r.address).toEqual(['127.0.0.1', port(tx)]);
  });

  it('recvFrom of a queued datagram longer than the buffer resolves to the bytes that fit and the sender', async () => {
    const rx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    const tx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    expect(native.bind(rx, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    h.associate(rx);
    h.associate(tx);
    const to = encode(c.AF_INET, '127.0.0.1', port(rx));
    await h.done(h.core.sendTo(tx, Buffer.from('queued first'), 0, to));
    // The datagram waits in rx, so WSARecvFrom finds it at once (WSAEMSGSIZE).
    const buf = Buffer.alloc(6);
    const r = await h.done(h.core.recvFrom(rx, buf));
    expect(r.result).toBe(6);
    expect(buf.toString()).toBe('queued');
    expect(r.address).toEqual(['127.0.0.1', port(tx)]);
  });

  it('connect on a datagram socket completes through the port and sets the peer', async () => {
    const rx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    expect(native.bind(rx, encode(c.AF_INET, '127.0.0.1', 0))).toBe(0);
    const tx = h.socket(c.AF_INET, c.SOCK_DGRAM);
    h.associate(tx);
    const r = await h.done(h.core.connect(tx, encode(c.AF_INET, '127.0.0.1', port(rx)), c.AF_INET));
    expect(r.result).toBe(0);
    expect(peer(tx)).toEqual(['127.0.0.1', port(rx)]);
  });

  it('cancel of a pending recv completes it once with ERROR_OPERATION_ABORTED', async () => {
    const [, b] = h.pair();
    const id = h.core.recv(b, Buffer.alloc(8));
    const done = h.done(id);
    expect(h.core.cancel(id)).toBe(true);
    expect(h.core.cancel(id)).toBe(true);
    const r = await done;
    expect(r.result).toBe(ERROR_OPERATION_ABORTED);
    expect(native.errorName(r.result)).toBe('ECANCELED');
    expect(h.core.cancel(id)).toBe(false);
    expect(h.core.pending).toBe(0);
  });

  it('cancel of a pending accept completes it with ERROR_OPERATION_ABORTED', async () => {
    const [listener] = h.listener();
    const id = h.core.accept(listener, c.AF_INET);
    const done = h.done(id);
    h.core.cancel(id);
    expect((await done).result).toBe(ERROR_OPERATION_ABORTED);
  });

  it('recvs cancelled while data arrives each complete exactly once, and no byte is lost', async () => {
    const [a, b] = h.pair();
    const rounds = 200;
    let received = 0;
    let cancelled = 0;
    for (let i = 0; i < rounds; i++) {
      const id = h.core.recv(b, Buffer.alloc(1));
      const done = h.done(id);
      const sent = h.done(h.core.send(a, Buffer.from([i & 0xff])));
      h.core.cancel(id);
      const r = (await done).result;
      expect((await sent).result).toBe(1);
      if (r === ERROR_OPERATION_ABORTED) cancelled++;
      else {
        expect(r).toBe(1);
        received++;
      }
    }
    // The bytes of the recvs that lost the race wait in the socket.
    while (received < rounds) {
      const n = (await h.done(h.core.recv(b, Buffer.alloc(rounds)))).result;
      expect(n).toBeGreaterThan(0);
      received += n;
    }
    expect(received).toBe(rounds);
    expect(cancelled).toBeLessThanOrEqual(rounds);
  });

  it('close() cancels pending operations, which still complete before the core is released', async () => {
    const [a, b] = h.pair();
    const ids = [h.core.recv(a, Buffer.alloc(4)), h.core.recv(b, Buffer.alloc(4))];
    const [listener] = h.listener();
    ids.push(h.core.accept(listener, c.AF_INET));
    const results = Promise.all(ids.map((id) => h.done(id)));
    expect(h.core.pending).toBe(3);
    await h.close();
    for (const r of await results) expect(r.result).toBe(ERROR_OPERATION_ABORTED);
    expect(() => h.core.recv(a, Buffer.alloc(1))).toThrow('Core is closed');
  });

  it('closing a socket completes its pending recv as cancelled', async () => {
    const [a] = h.pair();
    const done = h.done(h.core.recv(a, Buffer.alloc(4)));
    // Make sure the recv is in the kernel before the close.
    await h.done(h.core.nop());
    native.closeSocket(h.sockets.splice(h.sockets.indexOf(a), 1)[0]);
    const r = (await done).result;
    // Windows completes it with ERROR_OPERATION_ABORTED (995); Wine with
    // STATUS_HANDLES_CLOSED (676). Both are named ECANCELED.
    expect([ERROR_OPERATION_ABORTED, -676]).toContain(r);
    expect(native.errorName(r)).toBe('ECANCELED');
  });

  it('an operation on a handle that is not a socket fails at once, with no completion', () => {
    const event = native.eventCreate(true, false);
    h.handles.push(event);
    const id = h.core.recv(event, Buffer.alloc(1));
    expect(id).toBeLessThan(0);
    expect(native.errorName(id)).toBe('ENOTSOCK');
    expect(h.core.pending).toBe(0);
  });

  it('associate fails for a handle that is not open', () => {
    const s = native.socket(c.AF_INET, c.SOCK_STREAM);
    native.closeSocket(s);
    expect(h.core.associate(s)).toBeLessThan(0);
  });
});
