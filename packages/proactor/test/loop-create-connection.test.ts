// BaseProactorEventLoop.createConnection and connectAcceptedSocket against
// real sockets. Ported from CPython's test_base_events.py
// (test_create_connection_*) and test_events.py (test_create_connection*).
import { CancelledError, ConnectionRefusedError, OSError, sleep } from '@iocp/futures';
import { Socket } from '@iocp/proactor';
import type { Protocol, Server } from '@iocp/proactor';

import { listener } from './helpers';
import { Recorder, StubResolverLoop, loopPerTest, closedPort, inet, inet6, run } from './loop-helpers';

describe('createConnection', () => {
  let loop!: StubResolverLoop;
  const track = loopPerTest((l) => (loop = l));

  it('bad arguments throw synchronously (TypeError / RangeError)', () => {
    const factory = (): Protocol => ({});
    const sock = track(new Socket());
    expect(() => loop.createConnection(factory, '127.0.0.1', 1, { sock })).toThrow(
      new TypeError('host/port and sock can not be specified at the same time'),
    );
    expect(() => loop.createConnection(factory)).toThrow(new TypeError('host and port was not specified and no sock specified'));
    const udp = track(new Socket('inet', 'dgram'));
    expect(() => loop.createConnection(factory, null, null, { sock: udp })).toThrow(/A Stream Socket was expected/);
    expect(() => loop.createConnection('x' as never, '127.0.0.1', 1)).toThrow(TypeError);
    expect(() => loop.createConnection(factory, '127.0.0.1', 70000)).toThrow(RangeError);
    expect(() => loop.createConnection(factory, 5 as never, 1)).toThrow(TypeError);
    expect(() => loop.createConnection(factory, '127.0.0.1', 1, { family: 'x' as never })).toThrow(RangeError);
    expect(() => loop.createConnection(factory, '127.0.0.1', 1, { interleave: -1 })).toThrow(RangeError);
  });

  it('a refused connection rejects with ConnectionRefusedError and closes its socket', async () => {
    const port = closedPort();
    const err = await run(loop, () => loop.createConnection(() => ({}), '127.0.0.1', port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
  });

  it('every address refused with the same message: the first error is thrown', async () => {
    loop.table.set('twice', [inet('127.0.0.1'), inet('127.0.0.1')]);
    const port = closedPort();
    const err = await run(loop, () => loop.createConnection(() => ({}), 'twice', port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(loop.asked).toEqual([['twice', port, { family: 'unspec', passive: false }]]);
  });

  it('different errors on different addresses combine into one OSError (Multiple exceptions)', async () => {
    // The inet attempt cannot bind its local address (in use); the inet6 one is refused.
    const busy = track(listener('inet'));
    const busyPort = (busy.getsockname() as [string, number])[1];
    loop.table.set('remote', [inet('127.0.0.1'), inet6('::1')]);
    loop.table.set('local', [{ family: 'inet', address: ['127.0.0.1', busyPort] }, inet6('::1')]);
    const err = await run(loop, () =>
      loop.createConnection(() => ({}), 'remote', closedPort('inet6'), { localAddr: ['local', busyPort] }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Multiple exceptions: error while attempting to bind on address \["127\.0\.0\.1",\d+\]: /);
    expect(msg).toContain(new ConnectionRefusedError(undefined, undefined, { syscall: 'connect' }).code);
  });

  it('allErrors: an AggregateError of every attempt', async () => {
    loop.table.set('remote', [inet('127.0.0.1'), inet6('::1')]);
    const err = await run(loop, () => loop.createConnection(() => ({}), 'remote', closedPort(), { allErrors: true })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toHaveLength(2);
    for (const e of (err as AggregateError).errors) expect(e).toBeInstanceOf(OSError);
  });

  it('a bind failure of localAddr carries CPython\'s message and the OS error code', async () => {
    const busy = track(listener('inet'));
    const busyAddr = busy.getsockname() as [string, number];
    const err = await run(loop, () => loop.createConnection(() => ({}), '127.0.0.1', closedPort(), { localAddr: busyAddr })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OSError);
    expect((err as OSError).code).toBe('EADDRINUSE');
    expect((err as Error).message).toMatch(/^error while attempting to bind on address \["127\.0\.0\.1",\d+\]: .*in use/);
  });

  it('no local address of the remote family: OSError "no matching local address"', async () => {
    loop.table.set('local6', [inet6('::1')]);
    const err = await run(loop, () => loop.createConnection(() => ({}), '127.0.0.1', closedPort(), { localAddr: ['local6', 0] })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OSError);
    expect((err as Error).message).toBe('no matching local address with family=inet found');
  });

  it('a numeric host is not looked up (_ipaddr_info)', async () => {
    const port = closedPort();
    await run(loop, () => loop.createConnection(() => ({}), '127.0.0.1', port).catch(() => undefined));
    await run(loop, () => loop.createConnection(() => ({}), '::1', port, { localAddr: ['::1', 0] }).catch(() => undefined));
    expect(loop.asked).toEqual([]);
  });

  it('an empty resolution rejects with OSError "getaddrinfo() returned empty list"', async () => {
    loop.table.set('nothing', []);
    const err = await run(loop, () => loop.createConnection(() => ({}), 'nothing', 80)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    expect((err as Error).message).toBe('getaddrinfo() returned empty list');
  });

  it('a name that does not resolve rejects with the resolver error', async () => {
    const err = await run(loop, () => loop.createConnection(() => ({}), 'nonexistent.invalid', 80)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    expect((err as OSError).syscall).toBe('getaddrinfo');
  });

});

describe('createConnection to a live server', () => {
  let loop!: StubResolverLoop;
  const track = loopPerTest((l) => (loop = l));

  async function echoServer(host: string | string[] = '127.0.0.1'): Promise<Server> {
    const server = await loop.createServer(() => new Recorder(true), host, 0);
    track(server);
    return server;
  }

  async function closeBoth(server: Server, client: Recorder): Promise<void> {
    client.transport?.close();
    await client.lost;
    server.close();
    await server.waitClosed();
  }

  it('resolves a host name, connects, and resolves after connectionMade', async () => {
    await run(loop, async () => {
      const server = await echoServer();
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, proto] = await loop.createConnection(() => new Recorder(), 'localhost', port, { family: 'inet' });
      expect(proto.events).toEqual(['made']);
      expect(proto.transport).toBe(transport);
      expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
      // TCP_NODELAY is on, as CPython's _set_nodelay does.
      expect(transport.getExtraInfo<Socket>('socket')!.getsockopt('TCP_NODELAY')).not.toBe(0);
      transport.write(Buffer.from('ping'));
      expect((await proto.received(4)).toString()).toBe('ping');
      await closeBoth(server, proto);
    });
  });

  it('tries every address in order: the first refused, the second connects', async () => {
    await run(loop, async () => {
      const server = await echoServer();
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      loop.table.set('two', [inet6('::1'), inet('127.0.0.1')]);
      const [transport, proto] = await loop.createConnection(() => new Recorder(), 'two', port);
      expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
      await closeBoth(server, proto);
    });
  });

  it('binds to localAddr before connecting', async () => {
    await run(loop, async () => {
      const server = await echoServer();
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const local = closedPort();
      const [transport, proto] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port, { localAddr: ['127.0.0.1', local] });
      expect(transport.getExtraInfo('sockname')).toEqual(['127.0.0.1', local]);
      await closeBoth(server, proto);
    });
  });

  it('interleave reorders the addresses by family before they are tried', async () => {
    await run(loop, async () => {
      const port = closedPort();
      loop.table.set('mixed', [inet6('::1'), inet6('::1'), inet('127.0.0.1'), inet('127.0.0.2')]);
      const connect = jest.spyOn(loop._proactor, 'connect');
      try {
        const err = await loop.createConnection(() => new Recorder(), 'mixed', port, { interleave: 1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OSError);
        expect(connect.mock.calls.map((c) => c[1][0])).toEqual(['::1', '127.0.0.1', '::1', '127.0.0.2']);
      } finally {
        connect.mockRestore();
      }
    });
  });

  if (process.platform === 'linux') {
    // A listener with backlog 0 and one connection waiting: Linux drops the
    // SYNs of further connects, which then hang (no answer at all).
    async function stuckListener(): Promise<number> {
      const stuck = listener();
      stuck.listen(0);
      track(stuck);
      const filler = new Socket();
      track(filler);
      await loop.sockConnect(filler, stuck.getsockname());
      return (stuck.getsockname() as [string, number])[1];
    }

    it('happyEyeballsDelay: a first address that hangs does not hold up the next one (Linux)', async () => {
      await run(loop, async () => {
        const server = await echoServer();
        const port = (server.sockets[0].getsockname() as [string, number])[1];
        loop.table.set('slow-first', [inet('127.0.0.1', await stuckListener()), inet('127.0.0.1', port)]);
        const [transport, proto] = await loop.createConnection(() => new Recorder(), 'slow-first', 0, { happyEyeballsDelay: 20 });
        expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
        await closeBoth(server, proto);
      });
    });

    it('happyEyeballsDelay: cancelling the connect cancels every attempt and closes their sockets', async () => {
      await run(loop, async () => {
        const stuckPort = await stuckListener();
        loop.table.set('all-stuck', [inet('127.0.0.1', stuckPort), inet('127.0.0.1', stuckPort)]);
        const task = loop.createTask(() => loop.createConnection(() => new Recorder(), 'all-stuck', 0, { happyEyeballsDelay: 1 }));
        // Both attempts are in flight once the delay passed twice.
        await sleep(30);
        task.cancel();
        await expect(task).rejects.toThrow(CancelledError);
      });
    });
  }

  it('happyEyeballsDelay: every address refused gives the combined error; bad values throw', async () => {
    expect(() => loop.createConnection(() => new Recorder(), '127.0.0.1', 1, { happyEyeballsDelay: -1 })).toThrow(RangeError);
    expect(() => loop.createConnection(() => new Recorder(), '127.0.0.1', 1, { happyEyeballsDelay: '1' as never })).toThrow(TypeError);
    loop.table.set('both', [inet('127.0.0.1'), inet6('::1')]);
    const port = closedPort();
    await run(loop, async () => {
      const err = await loop.createConnection(() => new Recorder(), 'both', port, { happyEyeballsDelay: 10, allErrors: true }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AggregateError);
      expect((err as AggregateError).errors).toHaveLength(2);
    });
  });

  it('sock: wraps an already connected socket', async () => {
    await run(loop, async () => {
      const server = await echoServer();
      const addr = server.sockets[0].getsockname();
      const sock = new Socket('inet');
      await loop.sockConnect(sock, addr);
      const [transport, proto] = await loop.createConnection(() => new Recorder(), null, null, { sock });
      expect(transport.getExtraInfo('socket')).toBe(sock);
      transport.write(Buffer.from('abc'));
      expect((await proto.received(3)).toString()).toBe('abc');
      await closeBoth(server, proto);
      expect(sock.closed).toBe(true);
    });
  });

  it('connectAcceptedSocket: a transport for a socket accepted by hand', async () => {
    await run(loop, async () => {
      const lsock = listener();
      track(lsock);
      const client = new Socket('inet');
      track(client);
      const accepting = loop.sockAccept(lsock);
      await loop.sockConnect(client, lsock.getsockname());
      const [conn] = await accepting;
      const [transport, proto] = await loop.connectAcceptedSocket(() => new Recorder(true), conn);
      expect(proto.events).toEqual(['made']);
      await loop.sockSendall(client, Buffer.from('hello'));
      expect((await loop.sockRecv(client, 10)).toString()).toBe('hello');
      transport.close();
      await proto.lost;
      const udp = new Socket('inet', 'dgram');
      track(udp);
      expect(() => loop.connectAcceptedSocket(() => new Recorder(), udp)).toThrow(TypeError);
    });
  });
});
