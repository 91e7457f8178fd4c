// Ports of test_proactor_events.py BaseProactorEventLoopTests (the sock_*
// methods, _start_serving/_stop_serving, close) and test_events.py's
// test_sock_* cases that apply, on real sockets.
import { createHash } from 'node:crypto';

import { CancelledError, ConnectionRefusedError, OSError, RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { BaseProactorEventLoop, ProactorSocketTransport, Socket } from '@iocp/proactor';
import type { SockAddr, TransportServer } from '@iocp/proactor';

import { closeLoop, CountingLoop, pattern, readAll, RecordingProtocol, tcpListener, tcpPair, until } from './transport-helpers';

const MiB = 1024 * 1024;
const SLOW_MS = 30000;

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

describe('BaseProactorEventLoop sock* methods', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  async function tcp(): Promise<[Socket, Socket]> {
    const [a, b] = await tcpPair(loop);
    sockets.push(a, b);
    return [a, b];
  }

  test(
    'sockSendall sends 2 MiB whole; the peer reads the same bytes',
    async () => {
      await loop.runUntilComplete(async () => {
        const [a, b] = await tcp();
        a.setsockopt('SO_SNDBUF', 16384);
        const data = pattern(2 * MiB, 3);
        const reading = readAll(loop, b);
        const sent = loop.sockSendall(a, data);
        await sent;
        expect(sent.result()).toBeUndefined();
        a.shutdown('write');
        const got = await reading;
        expect(got.length).toBe(data.length);
        expect(sha(got)).toBe(sha(data));
      });
    },
    SLOW_MS,
  );

  test('sockRecv, sockRecvInto and sockAccept/sockConnect (test_sock_client_ops)', async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      sockets.push(lsock);
      const client = new Socket('inet');
      sockets.push(client);
      const accepting = loop.sockAccept(lsock);
      const connected = loop.sockConnect(client, lsock.getsockname());
      expect(await connected).toBeUndefined();
      const [server, addr] = await accepting;
      sockets.push(server);
      expect(addr).toEqual(client.getsockname());
      await loop.sockSendall(client, Buffer.from('GET / HTTP/1.0\r\n\r\n'));
      expect((await loop.sockRecv(server, 4)).toString()).toBe('GET ');
      const buf = Buffer.alloc(1024);
      const n = await loop.sockRecvInto(server, buf);
      expect(buf.subarray(0, n).toString()).toBe('/ HTTP/1.0\r\n\r\n');
      client.close();
      expect((await loop.sockRecv(server, 10)).length).toBe(0);
    });
  });

  test('sockSendto, sockRecvfrom and sockRecvfromInto on UDP (test_sock_sendto_recvfrom*)', async () => {
    await loop.runUntilComplete(async () => {
      const a = new Socket('inet', 'dgram');
      const b = new Socket('inet', 'dgram');
      sockets.push(a, b);
      a.bind(['127.0.0.1', 0]);
      b.bind(['127.0.0.1', 0]);
      expect(await loop.sockSendto(a, Buffer.from('one'), b.getsockname())).toBe(3);
      const [data, from] = await loop.sockRecvfrom(b, 100);
      expect(data.toString()).toBe('one');
      expect(from).toEqual(a.getsockname());
      await loop.sockSendto(a, Buffer.from('twotwo'), b.getsockname());
      const buf = Buffer.alloc(100);
      const [n, from2] = await loop.sockRecvfromInto(b, buf);
      expect(buf.subarray(0, n).toString()).toBe('twotwo');
      expect(from2).toEqual(a.getsockname());
      // nbytes limits what is taken of the datagram.
      await loop.sockSendto(a, Buffer.from('three'), b.getsockname());
      const small = Buffer.alloc(100);
      const [m] = await loop.sockRecvfromInto(b, small, 2);
      expect(m).toBeLessThanOrEqual(2);
      expect(small.subarray(0, m).toString()).toBe('th'.slice(0, m));
    });
  });

  test('error cases: a refused connect, a closed socket, bad arguments', async () => {
    await loop.runUntilComplete(async () => {
      const gone = tcpListener();
      const addr = gone.getsockname();
      gone.close();
      const client = new Socket('inet');
      sockets.push(client);
      await expect(loop.sockConnect(client, addr)).rejects.toBeInstanceOf(ConnectionRefusedError);
      const closed = new Socket('inet');
      closed.close();
      expect(() => loop.sockRecv(closed, 10)).toThrow(OSError);
      const [a] = await tcp();
      expect(() => loop.sockSendall(a, 'str' as never)).toThrow(TypeError);
      expect(() => loop.sockRecv(a, -1)).toThrow(RangeError);
      expect(() => loop.sockConnect(client, 'not an address')).toThrow(TypeError);
    });
  });

  test('cancelling sockRecv and sockSendall cancels the operation', async () => {
    await loop.runUntilComplete(async () => {
      const [a, b] = await tcp();
      const recv = loop.sockRecv(a, 10);
      recv.cancel();
      await expect(recv).rejects.toBeInstanceOf(CancelledError);
      // The peer's data is not lost to the cancelled read.
      await loop.sockSendall(b, Buffer.from('after'));
      expect((await loop.sockRecv(a, 10)).toString()).toBe('after');
      a.setsockopt('SO_SNDBUF', 4096);
      const sending = loop.sockSendall(a, pattern(8 * MiB));
      sending.cancel();
      await expect(sending).rejects.toBeInstanceOf(CancelledError);
    });
  });
});

describe('BaseProactorEventLoop serving (_startServing / _stopServing)', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  class FakeServer implements TransportServer {
    readonly attached = new Set<unknown>();
    readonly stopped: Socket[] = [];
    _attach(t: unknown): void {
      this.attached.add(t);
    }
    _detach(t: unknown): void {
      this.attached.delete(t);
    }
    _stopServing(sock: Socket): void {
      this.stopped.push(sock);
    }
  }

  test('accepts several clients, each with its own protocol and transport; _stopServing closes the listener', async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      const server = new FakeServer();
      const protocols: RecordingProtocol[] = [];
      loop._startServing(
        () => {
          const p = new RecordingProtocol(loop);
          protocols.push(p);
          return p;
        },
        lsock,
        server,
        100,
      );
      expect(loop.opened).toBe(1);
      const clients: Socket[] = [];
      for (let i = 0; i < 5; i++) {
        const c = new Socket('inet');
        sockets.push(c);
        clients.push(c);
        await loop.sockConnect(c, lsock.getsockname());
        await loop.sockSendall(c, Buffer.from(`client ${i}`));
      }
      await until(loop, () => protocols.length === 5 && protocols.every((p) => p.chunks.length > 0), 'five connections');
      const got = protocols.map((p) => p.received().toString()).sort();
      expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `client ${i}`));
      for (const p of protocols) {
        expect(p.transport).toBeInstanceOf(ProactorSocketTransport);
        const peer = p.transport?.getExtraInfo<SockAddr>('peername');
        expect(clients.some((c) => JSON.stringify(c.getsockname()) === JSON.stringify(peer))).toBe(true);
      }
      expect(server.attached.size).toBe(5);
      loop._stopServing(lsock);
      expect(lsock.closed).toBe(true);
      // The listener's count came back; the transports' are still out.
      expect(loop.closed).toBe(1);
      for (const p of protocols) p.transport?.close();
      for (const p of protocols) await p.lost;
      expect(server.attached.size).toBe(0);
      // A refused connect proves nobody listens any more.
      const late = new Socket('inet');
      sockets.push(late);
      await expect(loop.sockConnect(late, ['127.0.0.1', 1])).rejects.toBeInstanceOf(OSError);
      // _stopServing again changes nothing.
      loop._stopServing(lsock);
    });
    // The listener and five transports, each counted once both ways.
    expect([loop.opened, loop.closed]).toEqual([6, 6]);
    expect(loop.errors).toEqual([]);
  });

  test("an accept that fails: 'Accept failed on a socket', the listener closed, the server told, counted once", async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      const server = new FakeServer();
      const err = new OSError(24, 'Too many open files');
      loop._proactor.accept = () => {
        const f = loop.createFuture<[Socket, SockAddr]>();
        f.setException(err);
        return f as ReturnType<typeof loop._proactor.accept>;
      };
      loop._startServing(() => new RecordingProtocol(loop), lsock, server, 100);
      await until(loop, () => loop.errors.length === 1, 'the exception handler');
      expect(loop.errors[0].message).toBe('Accept failed on a socket');
      expect(loop.errors[0].exception).toBe(err);
      expect(loop.errors[0].socket).toBe(lsock);
      expect(lsock.closed).toBe(true);
      expect(server.stopped).toEqual([lsock]);
      loop._stopServing(lsock);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('a protocol factory that throws is reported; serving goes on', async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      let calls = 0;
      const good: RecordingProtocol[] = [];
      const boom = new Error('factory boom');
      loop._startServing(
        () => {
          if (calls++ === 0) throw boom;
          const p = new RecordingProtocol(loop);
          good.push(p);
          return p;
        },
        lsock,
        null,
        100,
      );
      const first = new Socket('inet');
      const second = new Socket('inet');
      sockets.push(first, second);
      await loop.sockConnect(first, lsock.getsockname());
      // The first connection was closed on the factory's failure.
      expect((await readAll(loop, first)).length).toBe(0);
      await loop.sockConnect(second, lsock.getsockname());
      await until(loop, () => good.length === 1, 'the second connection');
      expect(loop.errors.map((e) => [e.message, e.exception])).toEqual([['Error on transport creation for incoming connection', boom]]);
      await good[0].made;
      good[0].transport?.close();
      await good[0].lost;
      loop._stopServing(lsock);
    });
    expect([loop.opened, loop.closed]).toEqual([2, 2]);
  });

  test('a cancelled accept ends serving quietly (test_create_server_cancel)', async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      const accepts: Future<[Socket, SockAddr]>[] = [];
      const accept = loop._proactor.accept.bind(loop._proactor);
      loop._proactor.accept = (l) => {
        const f = accept(l);
        accepts.push(f);
        return f;
      };
      loop._startServing(() => new RecordingProtocol(loop), lsock, null, 100);
      await until(loop, () => accepts.length === 1, 'the accept');
      accepts[0].cancel();
      await until(loop, () => lsock.closed, 'the listener to close');
      expect(loop.errors).toEqual([]);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('a connection accepted after serving stopped (its cancel came too late) is closed, not leaked', async () => {
    await loop.runUntilComplete(async () => {
      const lsock = tcpListener();
      // An accept the OS already finished when _stopServing() cancels it:
      // the cancel cannot undo it (IocpProactor's cancel then returns false)
      // and the future takes the connection.
      const late = loop.createFuture<[Socket, SockAddr]>();
      late.cancel = () => false;
      let asked = 0;
      loop._proactor.accept = () => {
        asked++;
        return late as ReturnType<typeof loop._proactor.accept>;
      };
      loop._startServing(() => new RecordingProtocol(loop), lsock, null, 100);
      await until(loop, () => asked === 1, 'the accept');
      loop._stopServing(lsock);
      const accepted = new Socket('inet');
      late.setResult([accepted, ['127.0.0.1', 1]]);
      await until(loop, () => accepted.closed, 'the late connection to close');
      expect(loop.errors).toEqual([]);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('close() stops serving every listening socket and closes the proactor', async () => {
    const other = new CountingLoop();
    const lsock = tcpListener();
    const lsock2 = tcpListener();
    try {
      other._startServing(() => new RecordingProtocol(other), lsock, null, 100);
      other._startServing(() => new RecordingProtocol(other), lsock2, null, 100);
      await other.runUntilComplete(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      await other.close();
      expect(lsock.closed).toBe(true);
      expect(lsock2.closed).toBe(true);
      expect(other.isClosed()).toBe(true);
      const unused = new Socket('inet');
      try {
        expect(() => other._proactor.recv(unused, 1)).toThrow(RuntimeError);
      } finally {
        unused.close();
      }
      expect([other.opened, other.closed]).toEqual([2, 2]);
      // Idempotent.
      await other.close();
    } finally {
      lsock.close();
      lsock2.close();
      await other.close();
    }
  });

  test('close() while running throws; makes the transports of CPython test_make_*_transport', async () => {
    const plain = new BaseProactorEventLoop();
    try {
      await plain.runUntilComplete(async () => {
        expect(() => plain.close()).toThrow('Cannot close a running event loop');
      });
    } finally {
      await plain.close();
    }
  });
});
