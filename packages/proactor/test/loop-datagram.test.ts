// BaseProactorEventLoop.createDatagramEndpoint against real sockets. Ported
// from CPython's test_base_events.py (test_create_datagram_endpoint_*) and
// test_events.py (test_create_datagram_endpoint*).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { OSError } from '@iocp/futures';
import { Socket } from '@iocp/proactor';
import type { DatagramProtocol, DatagramTransport, SockAddr } from '@iocp/proactor';

import { StubResolverLoop, inet, inet6, loopPerTest, run } from './loop-helpers';

class Datagrams implements DatagramProtocol {
  transport: DatagramTransport | null = null;
  readonly got: Array<[string, SockAddr | null]> = [];
  private _waiter: (() => void) | null = null;
  readonly lost: Promise<void>;
  private _lost!: () => void;
  constructor() {
    this.lost = new Promise((r) => (this._lost = r));
  }
  connectionMade(t: DatagramTransport): void {
    this.transport = t;
  }
  datagramReceived(data: Buffer, addr: SockAddr | null): void {
    this.got.push([data.toString(), addr]);
    this._waiter?.();
  }
  connectionLost(): void {
    this._lost();
  }
  async next(): Promise<[string, SockAddr | null]> {
    while (this.got.length === 0) await new Promise<void>((r) => (this._waiter = r));
    return this.got.shift()!;
  }
}

describe('createDatagramEndpoint', () => {
  let loop!: StubResolverLoop;
  const track = loopPerTest((l) => (loop = l));

  async function closeAll(...protos: Datagrams[]): Promise<void> {
    for (const p of protos) p.transport!.close();
    await Promise.all(protos.map((p) => p.lost));
  }

  it('bad arguments throw synchronously, with CPython\'s checks', () => {
    const f = (): Datagrams => new Datagrams();
    const tcp = new Socket();
    track(tcp);
    const udp = new Socket('inet', 'dgram');
    track(udp);
    expect(() => loop.createDatagramEndpoint(f, { sock: tcp })).toThrow(/A datagram Socket was expected/);
    expect(() => loop.createDatagramEndpoint(f, { sock: udp, localAddr: ['127.0.0.1', 0] })).toThrow(
      new TypeError('socket modifier options can not be used when sock is specified. (localAddr=["127.0.0.1",0])'),
    );
    expect(() => loop.createDatagramEndpoint(f, { sock: udp, allowBroadcast: true, family: 'inet' })).toThrow(
      'socket modifier options can not be used when sock is specified. (family="inet", allowBroadcast=true)',
    );
    expect(() => loop.createDatagramEndpoint(f, {})).toThrow(new TypeError('unexpected address family'));
    expect(() => loop.createDatagramEndpoint(f, { localAddr: ['127.0.0.1', 0], reuseAddress: true })).toThrow(RangeError);
    expect(() => loop.createDatagramEndpoint(f, { family: 'unix', localAddr: ['x', 1] as never })).toThrow(new TypeError('string is expected'));
    expect(() => loop.createDatagramEndpoint(f, { localAddr: 'path' })).toThrow(TypeError);
    expect(() => loop.createDatagramEndpoint(f, { family: 'bad' as never })).toThrow(RangeError);
  });

  it('localAddr and remoteAddr: a connected endpoint talks to a bound one both ways', async () => {
    await run(loop, async () => {
      const [, server] = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['127.0.0.1', 0] });
      const serverAddr = server.transport!.getExtraInfo<SockAddr>('sockname')!;
      const [, client] = await loop.createDatagramEndpoint(() => new Datagrams(), { remoteAddr: serverAddr });
      expect(client.transport!.getExtraInfo('peername')).toEqual(serverAddr);
      client.transport!.sendto(Buffer.from('ping'));
      const [data, from] = await server.next();
      expect(data).toBe('ping');
      expect(from).toEqual(client.transport!.getExtraInfo('sockname'));
      server.transport!.sendto(Buffer.from('pong'), from);
      expect((await client.next())[0]).toBe('pong');
      await closeAll(client, server);
    });
  });

  it('reuseAddress: false is accepted (only true is refused)', async () => {
    await run(loop, async () => {
      const [, p] = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['127.0.0.1', 0], reuseAddress: false });
      await closeAll(p);
    });
  });

  it('a family with no address makes an unbound socket of that family', async () => {
    await run(loop, async () => {
      const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), { family: 'inet6' });
      expect(t.getExtraInfo<Socket>('socket')!.family).toBe('inet6');
      await closeAll(p);
    });
  });

  it('sock: wraps an existing datagram socket', async () => {
    const sock = new Socket('inet', 'dgram');
    sock.bind(['127.0.0.1', 0]);
    await run(loop, async () => {
      const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), { sock });
      expect(t.getExtraInfo('socket')).toBe(sock);
      await closeAll(p);
      expect(sock.closed).toBe(true);
    });
  });

  it('allowBroadcast sets SO_BROADCAST and leaves the socket unconnected', async () => {
    await run(loop, async () => {
      const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), {
        localAddr: ['127.0.0.1', 0],
        remoteAddr: ['127.0.0.1', 9],
        allowBroadcast: true,
      });
      const sock = t.getExtraInfo<Socket>('socket')!;
      expect(sock.getsockopt('SO_BROADCAST')).not.toBe(0);
      expect(() => sock.getpeername()).toThrow(OSError);
      await closeAll(p);
    });
  });

  it('local and remote addresses of no common family: OSError "can not get address information"', async () => {
    await run(loop, async () => {
      await expect(
        loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['127.0.0.1', 0], remoteAddr: ['::1', 9] }),
      ).rejects.toThrow(new OSError('can not get address information'));
    });
  });

  it('names are resolved; the first family with both addresses is used', async () => {
    loop.table.set('here', [inet6('::1'), inet('127.0.0.1')]);
    loop.table.set('there', [inet('127.0.0.1')]);
    await run(loop, async () => {
      const [, server] = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['127.0.0.1', 0] });
      const port = (server.transport!.getExtraInfo<SockAddr>('sockname') as [string, number])[1];
      const [t, p] = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['here', 0], remoteAddr: ['there', port] });
      expect(t.getExtraInfo<Socket>('socket')!.family).toBe('inet');
      expect(t.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
      await closeAll(p, server);
    });
  });

  it('an empty resolution: OSError "getaddrinfo() returned empty list"', async () => {
    loop.table.set('nothing', []);
    await run(loop, async () => {
      await expect(loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['nothing', 0] })).rejects.toThrow(
        new OSError('getaddrinfo() returned empty list'),
      );
    });
  });

  it('a bind failure on the only candidate rejects with that OSError and closes the socket', async () => {
    await run(loop, async () => {
      const [, first] = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: ['127.0.0.1', 0] });
      const addr = first.transport!.getExtraInfo<SockAddr>('sockname')!;
      const err = await loop.createDatagramEndpoint(() => new Datagrams(), { localAddr: addr }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OSError);
      expect((err as OSError).code).toBe('EADDRINUSE');
      await closeAll(first);
    });
  });

  if (process.platform === 'linux') {
    it('unix datagram endpoints, with a stale socket file removed first (Linux)', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-dgram-'));
      const a = path.join(dir, 'a.sock');
      const b = path.join(dir, 'b.sock');
      try {
        // A stale socket file at a's path (bound, then closed).
        const stale = new Socket('unix', 'dgram');
        stale.bind(a);
        stale.close();
        await run(loop, async () => {
          const [, pa] = await loop.createDatagramEndpoint(() => new Datagrams(), { family: 'unix', localAddr: a });
          const [, pb] = await loop.createDatagramEndpoint(() => new Datagrams(), { family: 'unix', localAddr: b, remoteAddr: a });
          pb.transport!.sendto(Buffer.from('over unix'));
          expect(await pa.next()).toEqual(['over unix', b]);
          await closeAll(pa, pb);
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
