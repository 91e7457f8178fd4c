// BaseProactorEventLoop.createServer against real sockets. Ported from
// CPython's test_base_events.py (test_create_server_*) and test_events.py
// (test_create_server*).
import { OSError } from '@iocp/futures';
import { Socket } from '@iocp/proactor';

import { getV6Only } from '../src/loop/socket-options';
import { listener } from './helpers';
import { Recorder, StubResolverLoop, loopPerTest, inet, run } from './loop-helpers';

describe('createServer', () => {
  let loop!: StubResolverLoop;
  const track = loopPerTest((l) => (loop = l));

  const portOf = (s: Socket): number => (s.getsockname() as [string, number])[1];

  it('bad arguments throw synchronously', () => {
    const f = (): Recorder => new Recorder();
    const sock = track(new Socket());
    expect(() => loop.createServer(f, '127.0.0.1', 0, { sock })).toThrow(new TypeError('host/port and sock can not be specified at the same time'));
    expect(() => loop.createServer(f)).toThrow(new TypeError('Neither host/port nor sock were specified'));
    const udp = track(new Socket('inet', 'dgram'));
    expect(() => loop.createServer(f, null, null, { sock: udp })).toThrow(/A Stream Socket was expected/);
    expect(() => loop.createServer(f, '127.0.0.1', 0, { backlog: -1 })).toThrow(RangeError);
    expect(() => loop.createServer(f, '127.0.0.1', 0, { backlog: 'x' as never })).toThrow(TypeError);
    expect(() => loop.createServer(f, '127.0.0.1', 0, { reuseAddress: 1 as never })).toThrow(TypeError);
    expect(() => loop.createServer(f, 42 as never, 0)).toThrow(TypeError);
    expect(() => loop.createServer(f, [42] as never, 0)).toThrow(TypeError);
  });

  it('startServing: false makes the sockets without listening; close() closes them', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false });
      expect(server.isServing()).toBe(false);
      expect(server.sockets).toHaveLength(1);
      const sock = server.sockets[0];
      expect(server.getLoop()).toBe(loop);
      // Not listening yet: a connect is refused.
      const probe = new Socket();
      await expect(loop.sockConnect(probe, sock.getsockname())).rejects.toThrow(OSError);
      probe.close();
      server.close();
      expect(sock.closed).toBe(true);
      expect(server.sockets).toEqual([]);
      await server.waitClosed();
    });
  });

  it('startServing() starts accepting later', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(true), '127.0.0.1', 0, { startServing: false });
      await server.startServing();
      expect(server.isServing()).toBe(true);
      const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server.sockets[0]));
      t.write(Buffer.from('x'));
      await p.received(1);
      t.close();
      await p.lost;
      server.close();
      expect(server.isServing()).toBe(false);
      await server.waitClosed();
    });
  });

  it('SO_REUSEADDR defaults to true on POSIX and false on Windows, as CPython; reuseAddress sets it', async () => {
    await run(loop, async () => {
      const dflt = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false });
      const off = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false, reuseAddress: false });
      const on = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false, reuseAddress: true });
      expect(dflt.sockets[0].getsockopt('SO_REUSEADDR') !== 0).toBe(process.platform !== 'win32');
      expect(off.sockets[0].getsockopt('SO_REUSEADDR')).toBe(0);
      expect(on.sockets[0].getsockopt('SO_REUSEADDR')).not.toBe(0);
      for (const s of [dflt, off, on]) s.close();
    });
  });

  it('keepAlive sets SO_KEEPALIVE on the listening sockets', async () => {
    await run(loop, async () => {
      const s = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false, keepAlive: true });
      expect(s.sockets[0].getsockopt('SO_KEEPALIVE')).not.toBe(0);
      s.close();
    });
  });

  it('a null host listens on every interface: one IPv4 and one IPv6-only socket', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), null, 0, { startServing: false });
      const families = server.sockets.map((s) => s.family).sort();
      expect(families).toEqual(['inet', 'inet6']);
      const v6 = server.sockets.find((s) => s.family === 'inet6')!;
      expect(getV6Only(v6)).toBe(1);
      expect(server.sockets.map((s) => (s.getsockname() as [string, number])[0]).sort()).toEqual(['0.0.0.0', '::']);
      server.close();
    });
  });

  it('a list of hosts: one socket per distinct address (a host given twice is bound once)', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(true), ['127.0.0.1', '::1', '127.0.0.1'], 0);
      expect(server.sockets).toHaveLength(2);
      for (const sock of server.sockets) {
        const [host, port] = sock.getsockname() as [string, number];
        const [t, p] = await loop.createConnection(() => new Recorder(), host, port);
        t.write(Buffer.from('hi'));
        expect((await p.received(2)).toString()).toBe('hi');
        t.close();
        await p.lost;
      }
      server.close();
      await server.waitClosed();
    });
  });

  it('a name resolving to several addresses gets a socket for each', async () => {
    loop.table.set('both', [inet('127.0.0.1'), { family: 'inet6', address: ['::1', 0, 0, 0] }]);
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), 'both', 0, { startServing: false });
      expect(server.sockets.map((s) => s.family)).toEqual(['inet', 'inet6']);
      expect(loop.asked[0][2]).toEqual({ family: 'unspec', passive: true });
      server.close();
    });
  });

  it('an address in use: OSError with CPython\'s bind message, every socket closed', async () => {
    const busy = track(listener('inet'));
    await run(loop, async () => {
      const err = await loop
        .createServer(() => new Recorder(), ['::1', '127.0.0.1'], portOf(busy), { reuseAddress: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OSError);
      expect((err as OSError).code).toBe('EADDRINUSE');
      expect((err as Error).message).toMatch(/^error while attempting to bind on address \["127\.0\.0\.1",\d+\]: /);
    });
  });

  it('an empty resolution: OSError naming the host', async () => {
    loop.table.set('nothing', []);
    await run(loop, async () => {
      await expect(loop.createServer(() => new Recorder(), 'nothing', 0)).rejects.toThrow('getaddrinfo("nothing") returned empty list');
    });
  });

  it('sock: serves an already bound socket', async () => {
    const sock = new Socket();
    sock.bind(['127.0.0.1', 0]);
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(true), null, null, { sock, backlog: 5 });
      expect(server.sockets).toEqual([sock]);
      const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(sock));
      t.close();
      await p.lost;
      server.close();
      await server.waitClosed();
      expect(sock.closed).toBe(true);
    });
  });

  if (process.platform === 'linux') {
    it('reusePort lets two servers share a port (Linux)', async () => {
      await run(loop, async () => {
        const a = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { reusePort: true });
        const b = await loop.createServer(() => new Recorder(), '127.0.0.1', portOf(a.sockets[0]), { reusePort: true });
        expect(portOf(b.sockets[0])).toBe(portOf(a.sockets[0]));
        a.close();
        b.close();
        await a.waitClosed();
        await b.waitClosed();
      });
    });
  } else {
    it('reusePort is refused with an Error naming the option off Linux', () => {
      expect(() => loop.createServer(() => new Recorder(), '127.0.0.1', 0, { reusePort: true })).toThrow(/reusePort is not supported/);
    });
  }
});

