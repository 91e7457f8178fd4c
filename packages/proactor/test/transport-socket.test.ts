// Ports of test_proactor_events.py ProactorSocketTransportTests (the read
// side, closing, EOF and extra info) as behaviour tests on real sockets:
// the transport runs on one end of a connected pair, the test drives the
// other end through the same loop.
import { ConnectionResetError, OSError, RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { ProactorSocketTransport, Socket, allocReceiveBuffer } from '@iocp/proactor';
import type { BufferedProtocol, OverlappedFuture, Protocol, Transport } from '@iocp/proactor';
import type { TransportRead } from '../src/transport-read';

import { HAND_OUT_AT } from '../src/iocp-proactor';
import { LENT_READ_MAX } from '../src/transports/read-pipe-transport';
import {
  closeLoop,
  CountingLoop,
  iterations,
  LendingProtocol,
  pattern,
  readAll,
  readExactly,
  RecordingProtocol,
  tcpPair,
  until,
  withLogger,
} from './transport-helpers';

describe('ProactorSocketTransport: reading, closing, EOF', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  function pair(): [Socket, Socket] {
    const [a, b] = Socket.pair();
    sockets.push(a, b);
    return [a, b];
  }

  async function tcp(): Promise<[Socket, Socket]> {
    const [a, b] = await tcpPair(loop);
    sockets.push(a, b);
    return [a, b];
  }

  /** A transport on a fresh pair: [transport, protocol, peer]. */
  async function open(
    protocol?: RecordingProtocol,
  ): Promise<[Transport, RecordingProtocol, Socket]> {
    const [a, b] = pair();
    const proto = protocol ?? new RecordingProtocol(loop);
    const tr = loop._makeSocketTransport(a, proto);
    await proto.made;
    return [tr, proto, b];
  }

  test('connectionMade runs on a later iteration, then the waiter resolves', async () => {
    await loop.runUntilComplete(async () => {
      const [a] = pair();
      const proto = new RecordingProtocol(loop);
      const waiter = loop.createFuture<void>();
      const tr = loop._makeSocketTransport(a, proto, waiter);
      expect(tr).toBeInstanceOf(ProactorSocketTransport);
      expect(proto.events).toEqual([]);
      await waiter;
      expect(proto.events).toEqual(['made']);
      expect(proto.transport).toBe(tr);
      tr.close();
      await proto.lost;
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('getExtraInfo: socket, sockname, peername, and the extra the loop passes', async () => {
    await loop.runUntilComplete(async () => {
      const [a, b] = await tcp();
      const proto = new RecordingProtocol(loop);
      const tr = loop._makeSocketTransport(a, proto, null, { addr: 'x' });
      expect(tr.getExtraInfo('socket')).toBe(a);
      expect(tr.getExtraInfo('sockname')).toEqual(a.getsockname());
      expect(tr.getExtraInfo('peername')).toEqual(b.getsockname());
      expect(tr.getExtraInfo('addr')).toBe('x');
      expect(tr.getExtraInfo('pipe')).toBeUndefined();
      expect(tr.getExtraInfo('nothing', 42)).toBe(42);
      // A peername passed in is kept.
      const [c] = pair();
      const tr2 = loop._makeSocketTransport(c, new RecordingProtocol(loop), null, {
        peername: ['1.2.3.4', 5],
      });
      expect(tr2.getExtraInfo('peername')).toEqual(['1.2.3.4', 5]);
      tr.close();
      tr2.close();
      await proto.lost;
      await iterations(loop, 2);
    });
    expect([loop.opened, loop.closed]).toEqual([2, 2]);
  });

  test('the read loop delivers data in order, each chunk a copy of at most 64 KiB', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      const data = pattern(1024 * 1024);
      await loop.sockSendall(peer, data);
      await proto.waitForBytes(loop, data.length);
      expect(proto.received().equals(data)).toBe(true);
      const own = (tr as unknown as { _data: Buffer })._data;
      for (const chunk of proto.chunks) {
        expect(chunk.length).toBeGreaterThan(0);
        expect(chunk.length).toBeLessThanOrEqual(64 * 1024);
        expect(chunk.buffer).not.toBe(own.buffer);
      }
      tr.close();
      await proto.lost;
    });
  });

  test('a large read comes as a Buffer of its own (the memory the OS wrote, no copy); chunks kept stay intact', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      const data = pattern(2 * 1024 * 1024);
      await loop.sockSendall(peer, data);
      await proto.waitForBytes(loop, data.length);
      // Every chunk was kept while later reads arrived: none was written over.
      expect(proto.received().equals(data)).toBe(true);
      const own = (tr as unknown as { _data: Buffer })._data;
      const large = proto.chunks.filter((chunk) => chunk.length >= HAND_OUT_AT);
      expect(large.length).toBeGreaterThan(0);
      for (const chunk of large) {
        // Handed out: exactly its bytes, not a slice of a shared slab.
        expect(chunk.byteOffset).toBe(0);
        expect(chunk.buffer.byteLength).toBe(chunk.length);
        expect(chunk.buffer).not.toBe(own.buffer);
      }
      expect(new Set(large.map((chunk) => chunk.buffer)).size).toBe(large.length);
      tr.close();
      await proto.lost;
    });
  });

  test('EOF: eofReceived() returning false closes the transport; connectionLost(null) once', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      await loop.sockSendall(peer, Buffer.from('last'));
      peer.shutdown('write');
      expect(await proto.lost).toBeNull();
      expect(proto.events).toEqual(['made', 'data', 'eof', 'lost']);
      expect(tr.isClosing()).toBe(true);
      expect((await readAll(loop, peer)).length).toBe(0);
      await iterations(loop, 3);
      expect(proto.lostCount).toBe(1);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('EOF: eofReceived() returning true keeps the transport open for writing', async () => {
    await loop.runUntilComplete(async () => {
      const proto = new RecordingProtocol(loop);
      proto.keepOpen = true;
      const [tr, , peer] = await open(proto);
      peer.shutdown('write');
      await until(loop, () => proto.eofCount === 1, 'eofReceived');
      expect(tr.isClosing()).toBe(false);
      tr.write(Buffer.from('reply'));
      tr.close();
      expect((await readAll(loop, peer)).toString()).toBe('reply');
      expect(await proto.lost).toBeNull();
      expect(proto.events).toEqual(['made', 'eof', 'lost']);
    });
  });

  test('pauseReading keeps the data of the read in flight and cancels nothing; resumeReading delivers it', async () => {
    await loop.runUntilComplete(async () => {
      const proactor = loop._proactor;
      let reads = 0;
      const cancels: number[] = [];
      const readFor = proactor._readFor.bind(proactor);
      proactor._readFor = (conn, buf, chunk, read) => {
        reads++;
        readFor(conn, buf, chunk, read);
      };
      const cancelOperation = proactor._cancelOperation.bind(proactor);
      proactor._cancelOperation = (id) => {
        cancels.push(id);
        return cancelOperation(id);
      };
      const [tr, proto, peer] = await open();
      const t = tr as Transport & { _pendingDataLength: number };
      await loop.sockSendall(peer, Buffer.from('a'));
      await proto.waitForBytes(loop, 1);
      tr.pauseReading();
      tr.pauseReading();
      expect(tr.isReading()).toBe(false);
      await loop.sockSendall(peer, Buffer.from('b'));
      // The read in flight brings 'b' while paused: it is kept.
      await until(loop, () => t._pendingDataLength === 1, "the paused read's data");
      await loop.sockSendall(peer, Buffer.from('c'));
      await iterations(loop, 5);
      expect(proto.received().toString()).toBe('a');
      tr.resumeReading();
      tr.resumeReading();
      expect(tr.isReading()).toBe(true);
      await proto.waitForBytes(loop, 3);
      expect(proto.received().toString()).toBe('abc');
      expect(reads).toBeGreaterThan(2);
      expect(cancels).toEqual([]);
      tr.close();
      await proto.lost;
      expect(tr.isReading()).toBe(false);
    });
  });

  test('pauseReading in connectionMade: nothing is read until resumeReading', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new RecordingProtocol(loop);
      const made = proto.connectionMade.bind(proto);
      proto.connectionMade = (t: Transport) => {
        made(t);
        t.pauseReading();
      };
      const tr = loop._makeSocketTransport(a, proto);
      await proto.made;
      await loop.sockSendall(peer, Buffer.from('hello'));
      await iterations(loop, 5);
      expect(tr.isReading()).toBe(false);
      expect((tr as unknown as { _readFut: unknown })._readFut).toBeNull();
      expect(proto.chunks).toEqual([]);
      tr.resumeReading();
      await proto.waitForBytes(loop, 5);
      expect(proto.received().toString()).toBe('hello');
      tr.close();
      await proto.lost;
    });
  });

  test('an EOF that arrives while paused is delivered on resumeReading', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      tr.pauseReading();
      peer.shutdown('write');
      await until(
        loop,
        () => (tr as unknown as { _pendingDataLength: number })._pendingDataLength === 0,
        'the EOF',
      );
      expect(proto.eofCount).toBe(0);
      tr.resumeReading();
      expect(await proto.lost).toBeNull();
      expect(proto.eofCount).toBe(1);
    });
  });

  test('close(): connectionLost(null) exactly once, on a later iteration; close() again is a no-op', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      tr.close();
      expect(tr.isClosing()).toBe(true);
      expect(proto.lostCount).toBe(0);
      tr.close();
      expect(await proto.lost).toBeNull();
      await iterations(loop, 3);
      expect(proto.lostCount).toBe(1);
      // The transport closed its socket: the peer sees EOF.
      expect((await readAll(loop, peer)).length).toBe(0);
      expect(tr.getExtraInfo('socket')).toBeInstanceOf(Socket);
      expect((tr.getExtraInfo('socket') as Socket).closed).toBe(true);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('a transport closed from inside dataReceived gets no more data and connectionLost once', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new RecordingProtocol(loop);
      const onData = proto.dataReceived.bind(proto);
      proto.dataReceived = (data: Buffer) => {
        onData(data);
        proto.transport?.close();
      };
      const tr = loop._makeSocketTransport(a, proto);
      await proto.made;
      await loop.sockSendall(peer, Buffer.from('first'));
      expect(await proto.lost).toBeNull();
      // The transport is gone: this goes nowhere.
      try {
        await loop.sockSendall(peer, Buffer.from('second'));
      } catch (exc) {
        expect(exc).toBeInstanceOf(OSError);
      }
      await iterations(loop, 3);
      expect(proto.received().toString()).toBe('first');
      expect(proto.events).toEqual(['made', 'data', 'lost']);
      expect(tr.isClosing()).toBe(true);
    });
  });

  test('dataReceived runs before the next read starts; reading goes on after it (a reply goes out first)', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new RecordingProtocol(loop);
      const onData = proto.dataReceived.bind(proto);
      const readsDuring: boolean[] = [];
      proto.dataReceived = (data: Buffer) => {
        onData(data);
        readsDuring.push(t._readFut !== null);
        proto.transport?.write(data);
      };
      const tr = loop._makeSocketTransport(a, proto);
      const t = tr as Transport & { _readFut: Future<number> | null };
      await proto.made;
      for (const word of ['one', 'two', 'three']) {
        await loop.sockSendall(peer, Buffer.from(word));
        expect((await loop.sockRecv(peer, 100)).toString()).toBe(word);
      }
      // No read of the transport was pending while the protocol ran, and
      // one is pending after each chunk.
      expect(readsDuring).toEqual([false, false, false]);
      expect(t._readFut).not.toBeNull();
      expect(tr.isReading()).toBe(true);
      tr.close();
      await proto.lost;
    });
  });

  test('a dataReceived that throws goes to the exception handler; reading goes on', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new RecordingProtocol(loop);
      const onData = proto.dataReceived.bind(proto);
      let first = true;
      proto.dataReceived = (data: Buffer) => {
        onData(data);
        if (first) {
          first = false;
          throw new Error('protocol bug');
        }
      };
      const tr = loop._makeSocketTransport(a, proto);
      await proto.made;
      await loop.sockSendall(peer, Buffer.from('x'));
      await proto.waitForBytes(loop, 1);
      await until(loop, () => loop.errors.length === 1, 'the exception handler call');
      expect((loop.errors[0].exception as Error).message).toBe('protocol bug');
      await loop.sockSendall(peer, Buffer.from('y'));
      await proto.waitForBytes(loop, 2);
      expect(proto.received().toString()).toBe('xy');
      expect(tr.isReading()).toBe(true);
      tr.close();
      await proto.lost;
      expect(loop.errors.length).toBe(1);
    });
  });

  test('a BufferedProtocol gets the data in its own buffers (getBuffer/bufferUpdated)', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const parts: Buffer[] = [];
      const lost = loop.createFuture<Error | null>();
      const hints: number[] = [];
      let own = Buffer.alloc(7);
      const proto: BufferedProtocol = {
        getBuffer(sizeHint: number) {
          hints.push(sizeHint);
          own = Buffer.alloc(7);
          return own;
        },
        bufferUpdated(n: number) {
          parts.push(Buffer.from(own.subarray(0, n)));
        },
        eofReceived() {
          return false;
        },
        connectionLost(exc) {
          lost.setResult(exc);
        },
      };
      loop._makeSocketTransport(a, proto);
      const data = pattern(100000);
      await loop.sockSendall(peer, data);
      peer.shutdown('write');
      expect(await lost).toBeNull();
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      // Each read goes straight into the buffer lent for it (the selector
      // transport's get_buffer(-1)); see transport-buffered.test.ts.
      expect(hints.length).toBeGreaterThan(0);
      expect(hints.every((h) => h === -1)).toBe(true);
    });
  });

  test('a BufferedProtocol whose bufferUpdated throws is a fatal error through the exception handler', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const boom = new Error('boom');
      const lost = loop.createFuture<Error | null>();
      const proto: BufferedProtocol = {
        getBuffer: () => Buffer.alloc(16),
        bufferUpdated() {
          throw boom;
        },
        connectionLost: (exc) => lost.setResult(exc),
      };
      const tr = loop._makeSocketTransport(a, proto);
      await loop.sockSendall(peer, Buffer.from('x'));
      expect(await lost).toBe(boom);
      expect(loop.errors).toHaveLength(1);
      expect(loop.errors[0].message).toBe('Fatal error: protocol.buffer_updated() call failed.');
      expect(loop.errors[0].exception).toBe(boom);
      expect(loop.errors[0].transport).toBe(tr);
      expect(loop.errors[0].protocol).toBe(proto);
    });
  });

  test('an eofReceived that throws is a fatal error through the exception handler', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const boom = new Error('eof boom');
      const lost = loop.createFuture<Error | null>();
      const proto: Protocol = {
        eofReceived() {
          throw boom;
        },
        connectionLost: (exc) => lost.setResult(exc),
      };
      loop._makeSocketTransport(a, proto);
      peer.shutdown('write');
      expect(await lost).toBe(boom);
      expect(loop.errors.map((e) => e.message)).toEqual([
        'Fatal error: protocol.eof_received() call failed.',
      ]);
    });
  });

  test('a read error that is an OSError closes the transport: logged in debug mode only (CPython _fatal_error)', async () => {
    await withLogger(async (lines) => {
      await loop.runUntilComplete(async () => {
        loop.setDebug(true);
        const err = new OSError(5, 'I/O error');
        loop._proactor._readFor = (_conn, _buf, _chunk, read) => {
          read._restart();
          read.setException(err);
        };
        const [, proto] = await open();
        expect(await proto.lost).toBe(err);
        expect(loop.errors).toEqual([]);
        expect(
          lines.some(
            (l) => l.level === 'debug' && l.message.includes('Fatal read error on pipe transport'),
          ),
        ).toBe(true);
      });
    });
  });

  test('a ConnectionResetError on read closes the transport quietly (no fatal error)', async () => {
    await withLogger(async (lines) => {
      await loop.runUntilComplete(async () => {
        loop.setDebug(true);
        const err = new ConnectionResetError();
        loop._proactor._readFor = (_conn, _buf, _chunk, read) => {
          read._restart();
          read.setException(err);
        };
        const [, proto] = await open();
        expect(await proto.lost).toBe(err);
        expect(loop.errors).toEqual([]);
        expect(lines.some((l) => l.message.includes('Fatal'))).toBe(false);
      });
    });
  });

  test('a read whose cancel came too late and that fails after close() has its error retrieved (never reported)', async () => {
    await loop.runUntilComplete(async () => {
      let read: TransportRead | null = null;
      loop._proactor._readFor = (_conn, _buf, _chunk, r) => {
        r._restart();
        // The OS finished it before the cancel: cancel() cannot undo it.
        r._id = 0x7fffffff;
        r._hasOutcome = true;
        read = r;
      };
      const [tr, proto] = await open();
      await until(loop, () => read !== null, 'the first read');
      tr.close();
      expect(read!.cancelled()).toBe(false);
      read!._id = -1;
      read!.setException(new ConnectionResetError());
      expect(await proto.lost).toBeNull();
      // The transport took the error (asyncio calls fut.result() there
      // too) without reporting it.
      expect(loop.errors).toEqual([]);
    });
  });

  test('abort(): connectionLost(null) once, the peer sees the connection end', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      tr.abort();
      tr.abort();
      expect(tr.isClosing()).toBe(true);
      expect(proto.lostCount).toBe(0);
      expect(await proto.lost).toBeNull();
      await iterations(loop, 3);
      expect(proto.lostCount).toBe(1);
      expect((await readAll(loop, peer)).length).toBe(0);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('toString() shows the state', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto] = await open();
      expect((tr as ProactorSocketTransport).toString()).toMatch(
        /^<ProactorSocketTransport fd=\d+ read=<.*>>$/,
      );
      tr.close();
      expect((tr as ProactorSocketTransport).toString()).toMatch(/closing/);
      await proto.lost;
      expect((tr as ProactorSocketTransport).toString()).toBe('<ProactorSocketTransport closed>');
    });
  });

  test('setProtocol switches the protocol data goes to', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, first, peer] = await open();
      const second = new RecordingProtocol(loop);
      tr.setProtocol(second);
      expect(tr.getProtocol()).toBe(second);
      await loop.sockSendall(peer, Buffer.from('to second'));
      await second.waitForBytes(loop, 9);
      expect(first.chunks).toEqual([]);
      expect(() => tr.setProtocol(null as never)).toThrow(TypeError);
      tr.close();
      await second.lost;
      expect(first.lostCount).toBe(0);
    });
  });

  test('pauseReading/resumeReading after close are no-ops', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto] = await open();
      tr.close();
      tr.pauseReading();
      tr.resumeReading();
      expect(tr.isReading()).toBe(false);
      await proto.lost;
      expect(proto.lostCount).toBe(1);
    });
  });

  // A BufferedProtocol's reads go straight into the buffer it lends
  // (getBuffer(-1), as asyncio's selector transport does): the cases around
  // that buffer's lifetime (pause, close, setProtocol) and a getBuffer that
  // misbehaves (port of test_selector_events.py's
  // test_read_ready__get_buffer_error / _zero_sized_buffer, fatal errors
  // through the exception handler).
  describe('a BufferedProtocol: reads go into the buffer it lends', () => {
    /** A transport serving a LendingProtocol of `size` bytes, its first read in flight: [transport, protocol, peer]. */
    async function lending(
      size: number,
      alloc: (size: number) => Buffer = Buffer.alloc,
    ): Promise<[Transport, LendingProtocol, Socket]> {
      const [a, peer] = pair();
      const proto = new LendingProtocol(loop, size, alloc);
      const tr = loop._makeSocketTransport(a, proto);
      await until(loop, () => proto.hints.length === 1, 'the first read');
      return [tr, proto, peer];
    }

    test('each read fills the buffer getBuffer(-1) lent; a large stream arrives whole', async () => {
      await loop.runUntilComplete(async () => {
        const [a, peer] = pair();
        const proto = new LendingProtocol(loop, 4096);
        const lent: Uint8Array[] = [];
        proto.lend = () => {
          // A new buffer for every read: bufferUpdated must see the one lent last.
          proto.buf = Buffer.alloc(4096);
          lent.push(proto.buf);
          return proto.buf;
        };
        loop._makeSocketTransport(a, proto);
        const data = pattern(300 * 1024, 3);
        await loop.sockSendall(peer, data);
        peer.shutdown('write');
        expect(await proto.lost).toBeNull();
        expect(proto.received().equals(data)).toBe(true);
        expect(proto.hints.every((h) => h === -1)).toBe(true);
        // One getBuffer per read (the last one is the read that saw EOF).
        expect(lent.length).toBe(proto.parts.length + 1);
      });
    });

    test('a buffer larger than one read is filled from its start, at most LENT_READ_MAX bytes a read', async () => {
      await loop.runUntilComplete(async () => {
        const [a, peer] = pair();
        const proto = new LendingProtocol(loop, 4 * LENT_READ_MAX);
        const sizes: number[] = [];
        const update = proto.bufferUpdated.bind(proto);
        proto.bufferUpdated = (n: number) => {
          sizes.push(n);
          update(n);
        };
        loop._makeSocketTransport(a, proto);
        const data = pattern(3 * LENT_READ_MAX + 123, 4);
        await loop.sockSendall(peer, data);
        peer.shutdown('write');
        expect(await proto.lost).toBeNull();
        expect(proto.received().equals(data)).toBe(true);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(LENT_READ_MAX);
      });
    });

    test('an echo protocol that writes from its lent buffer and lends it again at once', async () => {
      await loop.runUntilComplete(async () => {
        const [a, peer] = pair();
        const proto = new LendingProtocol(loop, 64 * 1024);
        proto.bufferUpdated = function (n: number) {
          this.transport!.write(this.buf.subarray(0, n));
        };
        loop._makeSocketTransport(a, proto);
        const data = pattern(2 * 1024 * 1024, 9);
        const back = (async () => {
          const parts: Buffer[] = [];
          let got = 0;
          while (got < data.length) {
            const chunk = await loop.sockRecv(peer, 256 * 1024);
            if (chunk.length === 0) break;
            parts.push(chunk);
            got += chunk.length;
          }
          return Buffer.concat(parts);
        })();
        await loop.sockSendall(peer, data);
        // Every byte came back in order although the buffer was read into
        // again right after each write.
        expect((await back).equals(data)).toBe(true);
        proto.transport!.close();
        await proto.lost;
      });
    });

    test.each([
      ['an ordinary Buffer', Buffer.alloc],
      ['a receive buffer', allocReceiveBuffer],
    ])('a read that finishes while paused is kept apart: the protocol may use %s until resumeReading', async (_, alloc) => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await lending(1024, alloc);
        tr.pauseReading();
        await loop.sockSendall(peer, Buffer.from('while paused'));
        // The read in flight takes the bytes; nothing reaches the protocol.
        await until(
          loop,
          () => (tr as unknown as { _pendingDataLength: number })._pendingDataLength > 0,
          'the paused read',
        );
        expect(proto.parts).toEqual([]);
        // The protocol scribbles over its buffer meanwhile.
        proto.buf.fill(0x21);
        tr.resumeReading();
        await until(loop, () => proto.parts.length === 1, 'the delivery');
        expect(proto.received().toString()).toBe('while paused');
        // Reading goes on into the lent buffer.
        await loop.sockSendall(peer, Buffer.from(' and after'));
        await until(
          loop,
          () => proto.received().toString() === 'while paused and after',
          'the next read',
        );
        tr.close();
        await proto.lost;
      });
    });

    test('close() with a read in flight drops the lent buffer from it: later bytes never land there', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await lending(256);
        const proactor = loop._proactor;
        const dropped: unknown[] = [];
        const drop = proactor._dropReadBuffer.bind(proactor);
        proactor._dropReadBuffer = (fut) => {
          const had = drop(fut);
          dropped.push(had);
          return had;
        };
        try {
          proto.buf.fill(0x5a);
          tr.close();
          expect(dropped).toEqual([true]);
          await loop.sockSendall(peer, Buffer.from('too late'));
          expect(await proto.lost).toBeNull();
          await until(loop, () => loop._proactor.pendingOperations === 0, 'the cancelled read');
          expect(proto.buf.every((x) => x === 0x5a)).toBe(true);
          expect(proto.parts).toEqual([]);
        } finally {
          proactor._dropReadBuffer = drop;
        }
      });
    });

    // A receive buffer (allocReceiveBuffer) is written by the OS itself: no
    // copy, and no dropping it from a cancelled read either, so
    // connectionLost waits for that read's completion.
    describe('lending a receive buffer', () => {
      /** The read the transport has in flight. */
      const readInFlight = (tr: Transport): OverlappedFuture<unknown> =>
        (tr as unknown as { _readFut: OverlappedFuture<unknown> })._readFut;

      test('the OS reads into it (the read is lent), and an echo of a large stream comes back whole', async () => {
        await loop.runUntilComplete(async () => {
          const [tr, proto, peer] = await lending(64 * 1024, allocReceiveBuffer);
          expect(readInFlight(tr)._lent).toBe(true);
          proto.bufferUpdated = function (n: number) {
            this.transport!.write(this.buf.subarray(0, n));
          };
          const data = pattern(2 * 1024 * 1024, 11);
          const back = readExactly(loop, peer, data.length);
          await loop.sockSendall(peer, data);
          expect((await back).equals(data)).toBe(true);
          tr.close();
          await proto.lost;
        });
      });

      test('an ordinary Buffer is not lent', async () => {
        await loop.runUntilComplete(async () => {
          const [tr, proto] = await lending(256);
          expect(readInFlight(tr)._lent).toBe(false);
          tr.close();
          await proto.lost;
        });
      });

      test('close() with a read in flight: connectionLost waits until the OS let go of the read', async () => {
        await loop.runUntilComplete(async () => {
          const [tr, proto, peer] = await lending(64 * 1024, allocReceiveBuffer);
          // Bulk data first: io_uring then reads with one SQE per read
          // (the kernel writes the buffer; uring_receive.cc), which only
          // the kernel can cancel.
          const bulk = pattern(512 * 1024, 5);
          await loop.sockSendall(peer, bulk);
          await until(loop, () => proto.received().length === bulk.length, 'the bulk data');
          await until(loop, () => readInFlight(tr) !== null, 'the next read');
          expect(proto.received().equals(bulk)).toBe(true);
          proto.parts.length = 0;
          const read = readInFlight(tr);
          expect(read._lent).toBe(true);
          let pendingAtLost = -1;
          let readDoneAtLost: number | null = null;
          proto.connectionLost = function (exc: Error | null) {
            pendingAtLost = loop._proactor.pendingOperations;
            readDoneAtLost = read._id;
            if (!this.lost.done()) this.lost.setResult(exc);
          };
          // The OS takes its time with the cancel (here: forever, as if it
          // lost the race): the read ends only when data comes.
          const proactor = loop._proactor;
          const cancelOperation = proactor._cancelOperation.bind(proactor);
          proactor._cancelOperation = () => null;
          try {
            tr.close();
            tr.abort(); // A second close path: still one connectionLost, still after the read.
            await iterations(loop, 20);
            expect(pendingAtLost).toBe(-1);
            await loop.sockSendall(peer, Buffer.from('late'));
            expect(await proto.lost).toBeNull();
          } finally {
            proactor._cancelOperation = cancelOperation;
          }
          expect(readDoneAtLost).toBe(-1);
          expect(pendingAtLost).toBe(0);
          // The late bytes went into the buffer (the OS wrote it), not to the protocol.
          expect(proto.buf.subarray(0, 4).toString()).toBe('late');
          expect(proto.parts).toEqual([]);
        });
      });
    });

    test('setProtocol() during a read: the new protocol gets the bytes (a copy), the old one no bufferUpdated', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, first, peer] = await lending(512);
        const second = new RecordingProtocol(loop);
        tr.setProtocol(second);
        await loop.sockSendall(peer, Buffer.from('for the second'));
        await second.waitForBytes(loop, 'for the second'.length);
        expect(second.received().toString()).toBe('for the second');
        expect(first.parts).toEqual([]);
        // And back to a BufferedProtocol: its next read goes into its buffer.
        const third = new LendingProtocol(loop, 512);
        tr.setProtocol(third);
        await loop.sockSendall(peer, Buffer.from('third'));
        await until(loop, () => third.received().toString() === 'third', 'the third protocol');
        tr.close();
        // connectionLost goes to the protocol of the moment.
        expect(await third.lost).toBeNull();
      });
    });

    describe('a getBuffer that misbehaves ends the transport through the exception handler', () => {
      async function expectFatal(
        lend: () => unknown,
        kind: new (...args: any[]) => Error,
        message: RegExp,
      ): Promise<void> {
        await loop.runUntilComplete(async () => {
          const [a, peer] = pair();
          const proto = new LendingProtocol(loop);
          proto.lend = lend;
          loop._makeSocketTransport(a, proto);
          const exc = await proto.lost;
          expect(exc).toBeInstanceOf(kind);
          expect(exc!.message).toMatch(message);
          expect(loop.errors).toHaveLength(1);
          expect(loop.errors[0].message).toBe('Fatal error: protocol.get_buffer() call failed.');
          expect(loop.errors[0].exception).toBe(exc);
          // The loop and the peer go on working.
          const [c, d] = pair();
          const ok = new LendingProtocol(loop, 64);
          loop._makeSocketTransport(c, ok);
          await loop.sockSendall(d, Buffer.from('fine'));
          await until(loop, () => ok.received().toString() === 'fine', 'another transport');
          ok.transport!.close();
          await ok.lost;
          void peer;
        });
      }

      test('it throws', async () => {
        await expectFatal(
          () => {
            throw new Error('no buffer today');
          },
          Error,
          /no buffer today/,
        );
      });

      test('it returns an empty buffer (RuntimeError, as asyncio)', async () => {
        await expectFatal(
          () => Buffer.alloc(0),
          RuntimeError,
          /get_buffer\(\) returned an empty buffer/,
        );
      });

      test('it returns something that is not a Uint8Array (TypeError naming it)', async () => {
        await expectFatal(
          () => new ArrayBuffer(16),
          TypeError,
          /getBuffer\(\) must return a Uint8Array, got ArrayBuffer/,
        );
        loop.errors.length = 0;
      });

      test('it returns a view of a detached buffer (no bytes to fill: RuntimeError)', async () => {
        await expectFatal(
          () => {
            const buf = new Uint8Array(16);
            structuredClone(buf.buffer, { transfer: [buf.buffer] });
            return buf;
          },
          RuntimeError,
          /get_buffer\(\) returned an empty buffer/,
        );
      });
    });
  });
});
