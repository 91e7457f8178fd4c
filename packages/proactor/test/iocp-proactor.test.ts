// IocpProactor on this process's backend. Cases ported from CPython's
// Lib/test/test_asyncio/test_windows_events.py (ProactorTests) plus the
// completion-core cases of issue #4.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  CancelledError,
  ConnectionRefusedError,
  ConnectionResetError,
  OSError,
  RuntimeError,
} from '@iocp/futures';
import { Event, IocpProactor, Socket } from '@iocp/proactor';

import { listener, loopBusyOver, openFds, proactorPerTest, tcpPair } from './helpers';

describe('IocpProactor', () => {
  let proactor!: IocpProactor;
  const { closeMe } = proactorPerTest((p) => (proactor = p));

  function track<T extends { close(): unknown }>(x: T): T {
    closeMe.push(x);
    return x;
  }

  it('describes itself with its pending operation count', () => {
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
    const [a, b] = Socket.pair().map(track);
    void proactor.recv(a, 10).catch(() => undefined);
    expect(String(proactor)).toBe('<IocpProactor overlapped#=1 result#=0>');
    void b;
  });

  it('recv and send move bytes between a socket pair', async () => {
    const [a, b] = Socket.pair().map(track);
    const got = proactor.recv(b, 100);
    expect(await proactor.send(a, Buffer.from('hello'))).toBe(5);
    expect((await got).toString()).toBe('hello');
  });

  it('recv resolves to an empty buffer when the peer closes', async () => {
    const [a, b] = Socket.pair().map(track);
    const got = proactor.recv(b, 100);
    a.close();
    expect((await got).length).toBe(0);
  });

  it('recv of 4096 bytes or more resolves to a Buffer of exactly the bytes received, small or large', async () => {
    const [a, b] = Socket.pair().map(track);
    const small = proactor.recv(b, 65536);
    await proactor.send(a, Buffer.from('ten bytes!'));
    const got = await small;
    expect(got.toString()).toBe('ten bytes!');
    // Not a view of a 64 KiB allocation kept alive by ten bytes.
    expect(got.buffer.byteLength).toBe(10);
    const data = Buffer.alloc(48 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    await proactor.send(a, data);
    const parts: Buffer[] = [];
    for (let n = 0; n < data.length;) {
      const part = await proactor.recv(b, 65536);
      expect(part.length).toBeGreaterThan(0);
      expect(part.buffer.byteLength).toBe(part.length);
      parts.push(part);
      n += part.length;
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    a.close();
    const eof = await proactor.recv(b, 8192);
    expect(eof.length).toBe(0);
  });

  it('recvInto fills the given buffer and resolves to the byte count', async () => {
    const [a, b] = Socket.pair().map(track);
    const buf = Buffer.alloc(16);
    const got = proactor.recvInto(b, buf);
    await proactor.send(a, Buffer.from('abc'));
    expect(await got).toBe(3);
    expect(buf.subarray(0, 3).toString()).toBe('abc');
  });

  it('cancelling a pending recv cancels it, and a later recv still gets the data', async () => {
    const [a, b] = Socket.pair().map(track);
    const first = proactor.recv(b, 100);
    expect(first.cancel()).toBe(true);
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    const second = proactor.recv(b, 100);
    await proactor.send(a, Buffer.from('later'));
    expect((await second).toString()).toBe('later');
  });

  it('closing a socket under a pending recv rejects it with ConnectionResetError', async () => {
    const [, b] = Socket.pair().map(track);
    const pending = proactor.recv(b, 100);
    b.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionResetError);
  });

  it('accept and connect make a TCP connection with the peer address', async () => {
    const lsock = track(listener());
    const client = track(new Socket('inet'));
    const accepted = proactor.accept(lsock);
    expect(await proactor.connect(client, lsock.getsockname())).toBe(client);
    const [server, peer] = await accepted;
    track(server);
    expect(peer).toEqual(client.getsockname());
    expect(server.getpeername()).toEqual(client.getsockname());
  });

  it('accepts 200 concurrent connections', async () => {
    const lsock = track(listener());
    const addr = lsock.getsockname();
    const n = 200;
    const accepts = Array.from({ length: n }, () => proactor.accept(lsock));
    const clients = Array.from({ length: n }, () => track(new Socket('inet')));
    await Promise.all(clients.map((c) => proactor.connect(c, addr)));
    const servers = await Promise.all(accepts);
    servers.forEach(([s]) => track(s));
    const ports = new Set(servers.map(([, peer]) => (peer as [string, number])[1]));
    expect(ports.size).toBe(n);
  });

  it('connect to a closed port rejects with ConnectionRefusedError', async () => {
    const probe = new Socket('inet');
    probe.bind(['127.0.0.1', 0]);
    const addr = probe.getsockname();
    probe.close();
    const client = track(new Socket('inet'));
    await expect(proactor.connect(client, addr)).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  it('connect with a malformed address throws TypeError at once (gh-98793)', () => {
    const udp = track(new Socket('inet', 'dgram'));
    expect(() => proactor.connect(udp, ['not an ip', 1] as [string, number])).toThrow(TypeError);
    expect(() => proactor.connect(udp, 'nope')).toThrow(TypeError);
  });

  /** Two bound UDP sockets on 127.0.0.1: [server, client]. */
  function udpPair(): [Socket, Socket] {
    const pair = [0, 1].map(() => track(new Socket('inet', 'dgram')));
    for (const s of pair) s.bind(['127.0.0.1', 0]);
    return pair as [Socket, Socket];
  }

  it('UDP sendto and recvfrom carry the datagram and the sender address', async () => {
    const [server, client] = udpPair();
    const got = proactor.recvfrom(server, 100);
    expect(await proactor.sendto(client, Buffer.from('ping'), 0, server.getsockname())).toBe(4);
    const [data, addr] = await got;
    expect(data.toString()).toBe('ping');
    expect(addr).toEqual(client.getsockname());
  });

  it('datagrams waiting while nobody reads keep the process idle, then reach the reads in order', async () => {
    // On io_uring a datagram socket keeps a read hint (an entry in the
    // backend's own epoll set) from its first read on, also while no read
    // waits: a hint that stayed ready would make Node's loop spin.
    const [server, client] = udpPair();
    const first = proactor.recvfrom(server, 100);
    await proactor.sendto(client, Buffer.from('first'), 0, server.getsockname());
    expect((await first)[0].toString()).toBe('first');
    for (let i = 0; i < 20; i++) {
      await proactor.sendto(client, Buffer.from(`datagram ${i}`), 0, server.getsockname());
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await loopBusyOver(400)).toBeLessThan(0.5);
    for (let i = 0; i < 20; i++) {
      const [data] = await proactor.recvfrom(server, 100);
      expect(data.toString()).toBe(`datagram ${i}`);
    }
  });

  it('recvfrom of 4096 bytes or more gives exactly the datagram, small or large, with its sender', async () => {
    const [server, client] = udpPair();
    const small = proactor.recvfrom(server, 65536);
    await proactor.sendto(client, Buffer.from('a datagram'), 0, server.getsockname());
    const [data, addr] = await small;
    expect(data.toString()).toBe('a datagram');
    expect(data.buffer.byteLength).toBe(10);
    expect(addr).toEqual(client.getsockname());
    const big = Buffer.alloc(40000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const large = proactor.recvfrom(server, 65536);
    expect(await proactor.sendto(client, big, 0, server.getsockname())).toBe(big.length);
    const [got, from] = await large;
    expect(got.equals(big)).toBe(true);
    expect(got.buffer.byteLength).toBe(big.length);
    expect(from).toEqual(client.getsockname());
    const empty = proactor.recvfrom(server, 8192);
    await proactor.sendto(client, Buffer.alloc(0), 0, server.getsockname());
    const [none, sender] = await empty;
    expect(none.length).toBe(0);
    expect(sender).toEqual(client.getsockname());
  });

  it('recvfromInto fills the buffer and reports the sender', async () => {
    const [server, client] = udpPair();
    const buf = Buffer.alloc(8);
    const got = proactor.recvfromInto(server, buf);
    await proactor.sendto(client, Buffer.from('pong'), 0, server.getsockname());
    const [n, addr] = await got;
    expect(n).toBe(4);
    expect(buf.subarray(0, 4).toString()).toBe('pong');
    expect(addr).toEqual(client.getsockname());
  });

  it('sendfile sends a 10 MiB file, byte for byte', async () => {
    const file = path.join(os.tmpdir(), `iocp-sendfile-${process.pid}-${Date.now()}`);
    const data = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    fs.writeFileSync(file, data);
    const fd = fs.openSync(file, 'r');
    try {
      const [, client, server] = (await tcpPair(proactor)).map(track);
      const sent = proactor.sendfile(server, fd, 0, 0);
      const chunks: Buffer[] = [];
      let total = 0;
      while (total < data.length) {
        const chunk = await proactor.recv(client, 256 * 1024);
        if (chunk.length === 0) break;
        chunks.push(chunk);
        total += chunk.length;
      }
      expect(await sent).toBe(data.length);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
  });

  it('close() with 1,000 pending operations cancels them and resolves once all completed', async () => {
    const [, b] = Socket.pair().map(track);
    const futs = Array.from({ length: 1000 }, () => proactor.recv(b, 10));
    expect(String(proactor)).toBe('<IocpProactor overlapped#=1000 result#=0>');
    await proactor.close();
    expect(futs.every((f) => f.cancelled())).toBe(true);
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  it('methods throw RuntimeError after close', async () => {
    const [a] = Socket.pair().map(track);
    await proactor.close();
    expect(() => proactor.recv(a, 1)).toThrow(RuntimeError);
    expect(() => proactor.recv(a, 1)).toThrow('IocpProactor is closed');
    await proactor.close();
  });

  it('rejects arguments of the wrong type with TypeError and bad values with RangeError', () => {
    const [a] = Socket.pair().map(track);
    expect(() => proactor.recv({} as Socket, 1)).toThrow(TypeError);
    expect(() => proactor.recv(a, 'x' as unknown as number)).toThrow(TypeError);
    expect(() => proactor.recv(a, -1)).toThrow(RangeError);
    expect(() => proactor.send(a, 'text' as unknown as Buffer)).toThrow(TypeError);
    expect(() => proactor.waitForHandle('h' as unknown as number)).toThrow(TypeError);
    expect(() => proactor.waitForHandle(1, -5)).toThrow(RangeError);
  });

  it('leaves no file descriptor open after close', async () => {
    const before = openFds();
    const p = new IocpProactor();
    const [a, b] = Socket.pair();
    const got = p.recv(b, 10);
    await p.send(a, Buffer.from('x'));
    await got;
    a.close();
    b.close();
    await p.close();
    if (before >= 0) expect(openFds()).toBe(before);
  });

  describe('waitForHandle (test_windows_events.py test_wait_for_handle)', () => {
    it('resolves false when the timeout passes first', async () => {
      const event = track(new Event());
      expect(await proactor.waitForHandle(event, 50)).toBe(false);
    });

    it('resolves true when the handle is signalled, without consuming the signal', async () => {
      const event = track(new Event());
      const waiting = proactor.waitForHandle(event, 10_000);
      event.set();
      expect(await waiting).toBe(true);
      expect(event.isSet()).toBe(true);
      expect(await proactor.waitForHandle(event.handle, 10_000)).toBe(true);
    });

    it('a satisfied wait resets an auto-reset event; of two waiters one wins', async () => {
      const event = track(new Event({ manualReset: false }));
      event.set();
      expect(await proactor.waitForHandle(event, 10_000)).toBe(true);
      expect(event.isSet()).toBe(false);
      // Two waiters, one set(): the first wins, the other times out.
      const first = proactor.waitForHandle(event, 300);
      const second = proactor.waitForHandle(event, 300);
      event.set();
      const results = await Promise.all([first, second]);
      expect(results.filter((r) => r).length).toBe(1);
      expect(event.isSet()).toBe(false);
      // A second set() releases a waiter that lost the race before.
      const third = proactor.waitForHandle(event, 10_000);
      const fourth = proactor.waitForHandle(event, 10_000);
      event.set();
      const winner = await Promise.race([third, fourth]);
      expect(winner).toBe(true);
      event.set();
      expect(await Promise.all([third, fourth])).toEqual([true, true]);
      expect(event.isSet()).toBe(false);
    });

    it('cancelling a wait unregisters it; cancelling twice is harmless', async () => {
      const event = track(new Event());
      const fut = proactor.waitForHandle(event);
      expect(fut.cancel()).toBe(true);
      expect(fut.cancel()).toBe(false);
      await expect(fut).rejects.toBeInstanceOf(CancelledError);
      // The proactor closes cleanly: nothing is left registered.
      await proactor.close();
      expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
    });
  });

  it('every OS failure is an OSError with errno and code', async () => {
    const client = track(new Socket('inet'));
    const probe = new Socket('inet');
    probe.bind(['127.0.0.1', 0]);
    const addr = probe.getsockname();
    probe.close();
    const err = (await proactor.connect(client, addr).then(
      () => null,
      (e: unknown) => e,
    )) as OSError;
    expect(err).toBeInstanceOf(OSError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(typeof err.errno).toBe('number');
  });
});
