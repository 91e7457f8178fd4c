// Ports of test_proactor_events.py ProactorDatagramTransportTests and the
// datagram cases of BaseProactorEventLoopTests, on real UDP sockets (a
// mocked send where a datagram must stay pending, as CPython mocks it).
import { ConnectionRefusedError, RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { ProactorDatagramTransport, Socket } from '@iocp/proactor';
import type { DatagramProtocol, DatagramTransport, SockAddr } from '@iocp/proactor';

import { closeLoop, CountingLoop, iterations, until, withLogger } from './transport-helpers';

class RecordingDatagramProtocol implements DatagramProtocol {
  transport: DatagramTransport | null = null;
  readonly datagrams: Array<[Buffer, SockAddr | null]> = [];
  readonly errors: Error[] = [];
  pauseCount = 0;
  resumeCount = 0;
  lostCount = 0;
  readonly lost: Future<Error | null>;

  constructor(loop: CountingLoop) {
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }
  datagramReceived(data: Buffer, addr: SockAddr | null): void {
    this.datagrams.push([data, addr]);
  }
  errorReceived(exc: Error): void {
    this.errors.push(exc);
  }
  pauseWriting(): void {
    this.pauseCount++;
  }
  resumeWriting(): void {
    this.resumeCount++;
  }
  connectionLost(exc: Error | null): void {
    this.lostCount++;
    if (!this.lost.done()) this.lost.setResult(exc);
  }
}

describe('ProactorDatagramTransport', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  function udp(): Socket {
    const sock = new Socket('inet', 'dgram');
    sockets.push(sock);
    sock.bind(['127.0.0.1', 0]);
    return sock;
  }

  function open(sock: Socket, address?: SockAddr): [DatagramTransport, RecordingDatagramProtocol] {
    const proto = new RecordingDatagramProtocol(loop);
    const tr = loop._makeDatagramTransport(sock, proto, address);
    return [tr, proto];
  }

  test('the loop makes a ProactorDatagramTransport; extra info has socket, sockname and peername', async () => {
    await loop.runUntilComplete(async () => {
      const sock = udp();
      const [tr, proto] = open(sock);
      expect(tr).toBeInstanceOf(ProactorDatagramTransport);
      expect(tr.getExtraInfo('socket')).toBe(sock);
      expect(tr.getExtraInfo('sockname')).toEqual(sock.getsockname());
      // Not connected: no peer.
      expect(tr.getExtraInfo('peername')).toBeNull();
      tr.close();
      expect(await proto.lost).toBeNull();
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('sendto and datagramReceived between two transports, empty datagrams included', async () => {
    await loop.runUntilComplete(async () => {
      const a = udp();
      const b = udp();
      const [ta, pa] = open(a);
      const [tb, pb] = open(b);
      ta.sendto(Buffer.from('data'), b.getsockname());
      ta.sendto(new Uint8Array([1, 2, 3]), b.getsockname());
      ta.sendto(Buffer.alloc(0), b.getsockname());
      await until(loop, () => pb.datagrams.length === 3, 'three datagrams');
      expect(pb.datagrams.map(([d]) => d.toString('hex'))).toEqual([Buffer.from('data').toString('hex'), '010203', '']);
      for (const [, addr] of pb.datagrams) expect(addr).toEqual(a.getsockname());
      tb.sendto(Buffer.from('back'), a.getsockname());
      await until(loop, () => pa.datagrams.length === 1, 'the answer');
      expect(pa.datagrams[0][0].toString()).toBe('back');
      expect(() => ta.sendto('str' as never, b.getsockname())).toThrow(TypeError);
      ta.close();
      tb.close();
      await pa.lost;
      await pb.lost;
    });
    expect([loop.opened, loop.closed]).toEqual([2, 2]);
  });

  test('a datagram is a copy: changing the buffer after sendto changes nothing', async () => {
    await loop.runUntilComplete(async () => {
      const a = udp();
      const b = udp();
      const futs: Future<number>[] = [];
      const sendto = loop._proactor.sendto.bind(loop._proactor);
      const [ta, pa] = open(a);
      const [tb, pb] = open(b);
      // Hold the first send so the second datagram queues.
      loop._proactor.sendto = (...args) => {
        if (futs.length === 0) {
          const f = loop.createFuture<number>();
          futs.push(f);
          return f as ReturnType<typeof sendto>;
        }
        return sendto(...args);
      };
      ta.sendto(Buffer.from('held'), b.getsockname());
      const data = Buffer.from('orig');
      ta.sendto(data, b.getsockname());
      data.write('XXXX');
      futs[0].setResult(4);
      await until(loop, () => pb.datagrams.length === 1, 'the queued datagram');
      expect(pb.datagrams[0][0].toString()).toBe('orig');
      ta.close();
      tb.close();
      await pa.lost;
    });
  });

  test('a connected transport: send without address; another address is refused', async () => {
    await loop.runUntilComplete(async () => {
      const a = udp();
      const b = udp();
      await loop.sockConnect(a, b.getsockname());
      const [ta, pa] = open(a, b.getsockname());
      const [tb, pb] = open(b);
      expect(ta.getExtraInfo('peername')).toEqual(b.getsockname());
      ta.sendto(Buffer.from('one'));
      ta.sendto(Buffer.from('two'), b.getsockname());
      expect(() => ta.sendto(Buffer.from('x'), ['127.0.0.1', 1])).toThrow(RangeError);
      expect(() => ta.sendto(Buffer.from('x'), ['127.0.0.1', 1])).toThrow(/^Invalid address: must be None or \['127\.0\.0\.1', \d+\]$/);
      await until(loop, () => pb.datagrams.length === 2, 'two datagrams');
      expect(pb.datagrams.map(([d]) => d.toString())).toEqual(['one', 'two']);
      tb.sendto(Buffer.from('reply'), a.getsockname());
      await until(loop, () => pa.datagrams.length === 1, 'the reply');
      // A connected transport reports its peer as the sender.
      expect(pa.datagrams[0]).toEqual([Buffer.from('reply'), b.getsockname()]);
      ta.close();
      tb.close();
      await pa.lost;
      await pb.lost;
    });
  });

  test('errorReceived(ConnectionRefusedError) on a connected socket whose peer is gone; the transport stays', async () => {
    await loop.runUntilComplete(async () => {
      const a = udp();
      const gone = udp();
      const addr = gone.getsockname();
      gone.close();
      await loop.sockConnect(a, addr);
      const [ta, pa] = open(a, addr);
      /** Sends until the refusal comes back (on Linux a receive reports it; under Wine a receive or the next send). */
      async function sendUntilRefused(): Promise<void> {
        const before = pa.errors.length;
        for (let i = 0; i < 100 && pa.errors.length === before; i++) {
          ta.sendto(Buffer.from('anyone?'));
          await new Promise((resolve) => setTimeout(resolve, 10));
          await iterations(loop, 2);
        }
        expect(pa.errors.length).toBeGreaterThan(before);
      }
      await sendUntilRefused();
      for (const exc of pa.errors) expect(exc).toBeInstanceOf(ConnectionRefusedError);
      expect(ta.isClosing()).toBe(false);
      // Still open: the next datagrams are tried, and refused again.
      await sendUntilRefused();
      for (const exc of pa.errors) expect(exc).toBeInstanceOf(ConnectionRefusedError);
      expect(ta.isClosing()).toBe(false);
      expect(pa.lostCount).toBe(0);
      ta.close();
      expect(await pa.lost).toBeNull();
    });
  });

  describe('flow control and buffering with a mocked send (CPython)', () => {
    function mockSendto(): Future<number>[] {
      const futs: Future<number>[] = [];
      loop._proactor.sendto = () => {
        const f = loop.createFuture<number>();
        futs.push(f);
        return f as ReturnType<typeof loop._proactor.sendto>;
      };
      return futs;
    }

    test('queued datagrams count with their header; pauseWriting and resumeWriting once each', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = open(udp());
        const futs = mockSendto();
        tr.setWriteBufferLimits({ high: 20, low: 8 });
        const to: SockAddr = ['127.0.0.1', 9];
        tr.sendto(Buffer.from('data1'), to);
        // In flight, not buffered.
        expect(tr.getWriteBufferSize()).toBe(0);
        tr.sendto(Buffer.from('data2'), to);
        expect(tr.getWriteBufferSize()).toBe(13);
        expect(proto.pauseCount).toBe(0);
        tr.sendto(Buffer.alloc(0), to);
        expect(tr.getWriteBufferSize()).toBe(21);
        expect(proto.pauseCount).toBe(1);
        futs[0].setResult(5);
        await until(loop, () => futs.length === 2, 'the second send');
        expect(tr.getWriteBufferSize()).toBe(8);
        expect(proto.resumeCount).toBe(1);
        futs[1].setResult(5);
        await until(loop, () => futs.length === 3, 'the third send');
        futs[2].setResult(0);
        await until(loop, () => tr.getWriteBufferSize() === 0 && (tr as unknown as { _writeFut: unknown })._writeFut === null, 'the flush');
        expect([proto.pauseCount, proto.resumeCount]).toEqual([1, 1]);
        tr.close();
        expect(await proto.lost).toBeNull();
      });
    });

    test('close() sends the queued datagrams first, then connectionLost(null) once', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = open(udp());
        const futs = mockSendto();
        const to: SockAddr = ['127.0.0.1', 9];
        tr.sendto(Buffer.from('1'), to);
        tr.sendto(Buffer.from('2'), to);
        tr.close();
        await iterations(loop, 3);
        expect(proto.lostCount).toBe(0);
        futs[0].setResult(1);
        await until(loop, () => futs.length === 2, 'the queued datagram');
        expect(proto.lostCount).toBe(0);
        futs[1].setResult(1);
        expect(await proto.lost).toBeNull();
        await iterations(loop, 2);
        expect(proto.lostCount).toBe(1);
      });
      expect([loop.opened, loop.closed]).toEqual([1, 1]);
    });

    test('abort() drops the queue; connectionLost(null) once', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = open(udp());
        const futs = mockSendto();
        tr.sendto(Buffer.from('1'), ['127.0.0.1', 9]);
        tr.sendto(Buffer.from('2'), ['127.0.0.1', 9]);
        tr.abort();
        expect(tr.getWriteBufferSize()).toBe(0);
        expect(futs[0].cancelled()).toBe(true);
        expect(await proto.lost).toBeNull();
        await iterations(loop, 2);
        expect(futs).toHaveLength(1);
        expect(proto.lostCount).toBe(1);
      });
    });

    test('a send error goes to errorReceived (test__loop_writing_error_received); other errors are fatal', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = open(udp());
        const refused = new ConnectionRefusedError();
        loop._proactor.sendto = () => {
          throw refused;
        };
        tr.sendto(Buffer.from('x'), ['127.0.0.1', 9]);
        expect(proto.errors).toEqual([refused]);
        expect(tr.isClosing()).toBe(false);
        const boom = new RuntimeError('boom');
        loop._proactor.sendto = () => {
          throw boom;
        };
        tr.sendto(Buffer.from('y'), ['127.0.0.1', 9]);
        expect(await proto.lost).toBe(boom);
        expect(loop.errors.map((e) => [e.message, e.exception])).toEqual([['Fatal write error on datagram transport', boom]]);
      });
    });
  });

  test('sendto after close on a connected transport is dropped; after 5 each is logged', async () => {
    await withLogger(async (lines) => {
      await loop.runUntilComplete(async () => {
        const a = udp();
        const b = udp();
        await loop.sockConnect(a, b.getsockname());
        const [ta, pa] = open(a, b.getsockname());
        ta.close();
        for (let i = 0; i < 6; i++) ta.sendto(Buffer.from('late'));
        expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContain('socket.sendto() raised exception.');
        expect(await pa.lost).toBeNull();
      });
    });
  });
});
