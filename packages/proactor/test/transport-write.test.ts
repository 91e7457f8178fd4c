// Ports of test_proactor_events.py ProactorSocketTransportTests (the write
// side: write, writelines, buffering, flow control, writeEof, close and
// abort ordering, write errors) on real sockets. Where a send must stay
// pending, the transport writes into small kernel buffers a peer does not
// read; CPython's flow-control cases that need a send of a few bytes to
// stay pending use a mocked send, as CPython does.
import { ConnectionError, OSError, RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { Socket } from '@iocp/proactor';
import type { Transport } from '@iocp/proactor';

import { closeLoop, CountingLoop, iterations, pattern, readAll, readExactly, RecordingProtocol, tcpPair, until, withLogger } from './transport-helpers';

const MiB = 1024 * 1024;
const SLOW_MS = 30000;

describe('ProactorSocketTransport: writing', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  /** A transport on a TCP pair with small kernel buffers: [transport, protocol, peer]. */
  async function open(): Promise<[Transport, RecordingProtocol, Socket]> {
    const [a, b] = await tcpPair(loop);
    sockets.push(a, b);
    a.setsockopt('SO_SNDBUF', 16384);
    b.setsockopt('SO_RCVBUF', 16384);
    const proto = new RecordingProtocol(loop);
    const tr = loop._makeSocketTransport(a, proto);
    await proto.made;
    return [tr, proto, b];
  }

  /** Writes 1 MiB chunks until a send stays pending; returns what was written. */
  function fillUntilPending(tr: Transport): Buffer[] {
    const written: Buffer[] = [];
    for (let i = 0; i < 64 && (tr as unknown as { _writeFut: unknown })._writeFut === null; i++) {
      const chunk = pattern(MiB, i);
      tr.write(chunk);
      written.push(chunk);
    }
    expect((tr as unknown as { _writeFut: unknown })._writeFut).not.toBeNull();
    return written;
  }

  test('write and writelines: the peer gets every byte in order', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      tr.write(Buffer.from('data'));
      tr.writelines([Buffer.from('1'), new Uint8Array([50]), Buffer.from('3')]);
      tr.write(Buffer.alloc(0));
      expect(await readExactly(loop, peer, 7)).toEqual(Buffer.from('data123'));
      expect(tr.getWriteBufferSize()).toBe(0);
      expect(() => tr.write('str' as never)).toThrow(TypeError);
      tr.close();
      await proto.lost;
    });
  });

  test('a send the OS took at once is settled on the spot: the next write goes out in the same iteration', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      const proactor = loop._proactor;
      const send = proactor.send.bind(proactor);
      // The real send, seen as IocpProactor returns a send the OS took
      // whole: a future that is already done (the wrapper waits for it).
      const real: Array<ReturnType<typeof send>> = [];
      let sends = 0;
      proactor._sendNow = (conn, buf) => {
        sends++;
        real.push(send(conn, buf));
        const done = loop.createFuture<number>();
        done.setResult(buf.length);
        return done as ReturnType<typeof send>;
      };
      tr.write(Buffer.from('a'));
      tr.write(Buffer.from('b'));
      tr.write(Buffer.from('c'));
      // Three sends in the same iteration, none queued behind another.
      expect(sends).toBe(3);
      expect(tr.getWriteBufferSize()).toBe(0);
      expect((tr as unknown as { _writeFut: unknown })._writeFut).toBeNull();
      for (const f of real) await f;
      expect((await readExactly(loop, peer, 3)).toString()).toBe('abc');
      tr.close();
      await proto.lost;
    });
  });

  test(
    'writes made while a send is pending are queued as a list and go out as one gathered send',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        const t = tr as unknown as { _buffer: Uint8Array[] | null; _sendBuffers: (sock: unknown, bufs: Uint8Array[]) => unknown };
        const gathered: number[] = [];
        const sendBuffers = t._sendBuffers.bind(tr);
        t._sendBuffers = (sock: unknown, bufs: Uint8Array[]) => {
          gathered.push(bufs.length);
          return sendBuffers(sock, bufs);
        };
        const written = fillUntilPending(tr);
        const pending = tr.getWriteBufferSize();
        const tail = [Buffer.from('x'), Buffer.from('yy'), Buffer.from('zzz')];
        // The caller may reuse its buffer: what is queued is a copy.
        const reused = Buffer.from('w');
        tr.write(reused);
        reused[0] = 0x21;
        for (const b of tail) tr.write(b);
        expect(t._buffer).toHaveLength(4);
        expect(tr.getWriteBufferSize()).toBe(pending + 7);
        const want = Buffer.concat([...written, Buffer.from('w'), ...tail]);
        tr.close();
        const got = await readAll(loop, peer);
        expect(got.length).toBe(want.length);
        expect(got.equals(want)).toBe(true);
        expect(gathered).toEqual([4]);
        expect(await proto.lost).toBeNull();
      });
    },
    SLOW_MS,
  );

  test(
    'flow control with a high-water mark of 4: pauseWriting and resumeWriting exactly once each',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        tr.setWriteBufferLimits({ high: 4 });
        expect(tr.getWriteBufferLimits()).toEqual([1, 4]);
        const written = fillUntilPending(tr);
        expect(proto.pauseCount).toBe(1);
        tr.write(Buffer.from('more'));
        tr.write(Buffer.from('and more'));
        expect(proto.pauseCount).toBe(1);
        expect(proto.resumeCount).toBe(0);
        const total = written.reduce((n, b) => n + b.length, 0) + 12;
        expect((await readExactly(loop, peer, total)).length).toBe(total);
        await until(loop, () => proto.resumeCount === 1, 'resumeWriting');
        expect(tr.getWriteBufferSize()).toBe(0);
        expect(proto.pauseCount).toBe(1);
        expect(proto.resumeCount).toBe(1);
        expect(proto.events.filter((e) => e === 'pause' || e === 'resume')).toEqual(['pause', 'resume']);
        tr.close();
        await proto.lost;
      });
    },
    SLOW_MS,
  );

  test('write-buffer limits: defaults and checks (transports.py _set_write_buffer_limits)', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto] = await open();
      expect(tr.getWriteBufferLimits()).toEqual([16384, 65536]);
      tr.setWriteBufferLimits({ low: 8 });
      expect(tr.getWriteBufferLimits()).toEqual([8, 32]);
      tr.setWriteBufferLimits({ high: 1000 });
      expect(tr.getWriteBufferLimits()).toEqual([250, 1000]);
      tr.setWriteBufferLimits({ high: 0 });
      expect(tr.getWriteBufferLimits()).toEqual([0, 0]);
      tr.setWriteBufferLimits();
      expect(tr.getWriteBufferLimits()).toEqual([16384, 65536]);
      expect(() => tr.setWriteBufferLimits({ high: 5, low: 10 })).toThrow(RangeError);
      expect(() => tr.setWriteBufferLimits({ high: -1 })).toThrow('high (-1) must be >= low (-1) must be >= 0');
      expect(() => tr.setWriteBufferLimits({ high: 'x' as never })).toThrow(TypeError);
      tr.close();
      await proto.lost;
    });
  });

  describe('flow control with a mocked send (CPython test_pause_writing_*)', () => {
    /** Replaces the proactor's send with one whose futures the test settles. */
    function mockSend(): Future<number>[] {
      const futs: Future<number>[] = [];
      loop._proactor._sendNow = () => {
        const fut = loop.createFuture<number>();
        futs.push(fut);
        return fut as ReturnType<typeof loop._proactor._sendNow>;
      };
      return futs;
    }

    test('a large write that stays pending pauses; its completion resumes', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = await open();
        tr.setWriteBufferLimits({ high: 4 });
        const futs = mockSend();
        tr.write(Buffer.from('large data'));
        expect(proto.pauseCount).toBe(1);
        futs[0].setResult(10);
        await until(loop, () => tr.getWriteBufferSize() === 0, 'the flush');
        expect(proto.resumeCount).toBe(1);
        tr.abort();
        await proto.lost;
      });
    });

    test('two writes: 3 bytes do not pause, 6 do', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = await open();
        tr.setWriteBufferLimits({ high: 4 });
        mockSend();
        tr.write(Buffer.from('123'));
        await iterations(loop, 1);
        expect(tr.getWriteBufferSize()).toBe(3);
        expect(proto.pauseCount).toBe(0);
        tr.write(Buffer.from('abc'));
        await iterations(loop, 1);
        expect(tr.getWriteBufferSize()).toBe(6);
        expect(proto.pauseCount).toBe(1);
        tr.abort();
        await proto.lost;
      });
    });

    test('three writes: 1 and 3 bytes do not pause, 6 do', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = await open();
        tr.setWriteBufferLimits({ high: 4 });
        mockSend();
        tr.write(Buffer.from('1'));
        expect(tr.getWriteBufferSize()).toBe(1);
        tr.write(Buffer.from('23'));
        expect(tr.getWriteBufferSize()).toBe(3);
        expect(proto.pauseCount).toBe(0);
        tr.write(Buffer.from('abc'));
        expect(tr.getWriteBufferSize()).toBe(6);
        expect(proto.pauseCount).toBe(1);
        tr.abort();
        await proto.lost;
      });
    });

    test('a large write done at once does not pause', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = await open();
        tr.setWriteBufferLimits({ high: 4 });
        loop._proactor._sendNow = (_conn, buf) => {
          const fut = loop.createFuture<number>();
          fut.setResult(buf.length);
          return fut as ReturnType<typeof loop._proactor._sendNow>;
        };
        tr.write(Buffer.from('very large data'));
        await iterations(loop, 1);
        expect(tr.getWriteBufferSize()).toBe(0);
        expect(proto.pauseCount).toBe(0);
        tr.close();
        await proto.lost;
      });
    });

    test('a protocol whose pauseWriting throws is reported, not fatal', async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto] = await open();
        const boom = new Error('pause boom');
        proto.pauseWriting = () => {
          throw boom;
        };
        tr.setWriteBufferLimits({ high: 4 });
        mockSend();
        tr.write(Buffer.from('large data'));
        expect(loop.errors.map((e) => [e.message, e.exception])).toEqual([['protocol.pause_writing() failed', boom]]);
        expect(tr.isClosing()).toBe(false);
        tr.abort();
        await proto.lost;
      });
    });
  });

  test('writeEof: the peer sees EOF, the transport still reads; write after it throws', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto, peer] = await open();
      expect(tr.canWriteEof()).toBe(true);
      tr.write(Buffer.from('bye'));
      tr.writeEof();
      tr.writeEof();
      expect((await readAll(loop, peer)).toString()).toBe('bye');
      expect(() => tr.write(Buffer.from('x'))).toThrow(RuntimeError);
      expect(() => tr.write(Buffer.from('x'))).toThrow('write_eof() already called');
      await loop.sockSendall(peer, Buffer.from('still reading'));
      await proto.waitForBytes(loop, 13);
      expect(tr.isClosing()).toBe(false);
      tr.close();
      expect(await proto.lost).toBeNull();
    });
  });

  test(
    'writeEof with buffered data: the shutdown comes after the data',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        const written = fillUntilPending(tr);
        tr.write(Buffer.from('tail'));
        tr.writeEof();
        const got = await readAll(loop, peer);
        expect(got.equals(Buffer.concat([...written, Buffer.from('tail')]))).toBe(true);
        tr.close();
        expect(await proto.lost).toBeNull();
      });
    },
    SLOW_MS,
  );

  test(
    'close() with buffered data: the data goes out first, then connectionLost(null) once',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        const written = fillUntilPending(tr);
        tr.write(Buffer.from('end'));
        tr.close();
        tr.close();
        // The peer does not read: nothing can finish.
        await iterations(loop, 10);
        expect(proto.lostCount).toBe(0);
        expect(tr.getWriteBufferSize()).toBeGreaterThan(0);
        // Writes after close are dropped.
        tr.write(Buffer.from('dropped'));
        const got = await readAll(loop, peer);
        expect(got.equals(Buffer.concat([...written, Buffer.from('end')]))).toBe(true);
        expect(await proto.lost).toBeNull();
        await iterations(loop, 3);
        expect(proto.lostCount).toBe(1);
      });
      expect([loop.opened, loop.closed]).toEqual([1, 1]);
    },
    SLOW_MS,
  );

  test(
    'abort() drops the buffered data; connectionLost(null) once',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        const written = fillUntilPending(tr);
        tr.write(Buffer.from('never sent'));
        tr.abort();
        expect(tr.getWriteBufferSize()).toBe(0);
        expect(await proto.lost).toBeNull();
        const total = written.reduce((n, b) => n + b.length, 0);
        let got = 0;
        try {
          got = (await readAll(loop, peer)).length;
        } catch (exc) {
          // The abort may reset the connection under unread data.
          expect(exc).toBeInstanceOf(ConnectionError);
        }
        expect(got).toBeLessThan(total + 10);
        await iterations(loop, 3);
        expect(proto.lostCount).toBe(1);
      });
    },
    SLOW_MS,
  );

  test(
    'a peer that resets mid-write: the transport closes quietly with the connection error',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        fillUntilPending(tr);
        // Closing with unread data sends a reset: ConnectionResetError, or
        // BrokenPipeError for a send after it.
        peer.close();
        const exc = await proto.lost;
        expect(exc).toBeInstanceOf(ConnectionError);
        expect(loop.errors).toEqual([]);
        // Writes after the loss are dropped, and after 5 of them each is logged.
        await withLogger(async (lines) => {
          for (let i = 0; i < 6; i++) tr.write(Buffer.from('late'));
          expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContain('socket.send() raised exception.');
        });
      });
      expect([loop.opened, loop.closed]).toEqual([1, 1]);
    },
    SLOW_MS,
  );

  test('a send that fails with an OSError is fatal: logged in debug mode, connectionLost(exc)', async () => {
    await withLogger(async (lines) => {
      await loop.runUntilComplete(async () => {
        loop.setDebug(true);
        const [tr, proto] = await open();
        const err = new OSError(5, 'I/O error');
        loop._proactor._sendNow = () => {
          throw err;
        };
        tr.write(Buffer.from('data'));
        expect(tr.isClosing()).toBe(true);
        expect(await proto.lost).toBe(err);
        expect(loop.errors).toEqual([]);
        expect(lines.some((l) => l.level === 'debug' && l.message.includes('Fatal write error on pipe transport'))).toBe(true);
      });
    });
  });

  test('abort() while a send is pending and completes later reports nothing (test_loop_writing_force_close)', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto] = await open();
      const futs: Future<number>[] = [];
      loop._proactor._sendNow = () => {
        const fut = loop.createFuture<number>();
        futs.push(fut);
        return fut as ReturnType<typeof loop._proactor._sendNow>;
      };
      tr.write(Buffer.from('data'));
      tr.abort();
      expect(futs[0].cancelled()).toBe(true);
      expect(await proto.lost).toBeNull();
      await iterations(loop, 2);
      expect(loop.errors).toEqual([]);
      expect(proto.lostCount).toBe(1);
    });
  });
  test('close() then abort() before connectionLost ran: connectionLost once (gh-89237)', async () => {
    await loop.runUntilComplete(async () => {
      const [tr, proto] = await open();
      tr.close();
      tr.abort();
      tr.abort();
      expect(await proto.lost).toBeNull();
      await iterations(loop, 3);
      expect(proto.lostCount).toBe(1);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test(
    'the empty waiter (sendfile): resolves once the buffer is sent; writes are refused meanwhile; abort settles it',
    async () => {
      await loop.runUntilComplete(async () => {
        const [tr, proto, peer] = await open();
        const t = tr as Transport & { _makeEmptyWaiter(): Future<void>; _resetEmptyWaiter(): void };
        const idle = t._makeEmptyWaiter();
        expect(idle.done()).toBe(true);
        expect(() => t._makeEmptyWaiter()).toThrow('Empty waiter is already set');
        expect(() => tr.write(Buffer.from('x'))).toThrow('unable to write; sendfile is in progress');
        t._resetEmptyWaiter();
        const written = fillUntilPending(tr);
        const waiter = t._makeEmptyWaiter();
        expect(waiter.done()).toBe(false);
        const total = written.reduce((n, b) => n + b.length, 0);
        const reading = readExactly(loop, peer, total);
        await waiter;
        expect(tr.getWriteBufferSize()).toBe(0);
        expect((await reading).length).toBe(total);
        t._resetEmptyWaiter();
        fillUntilPending(tr);
        const aborted = t._makeEmptyWaiter();
        tr.abort();
        expect(aborted.done()).toBe(true);
        expect(aborted.result()).toBeUndefined();
        expect(await proto.lost).toBeNull();
      });
    },
    SLOW_MS,
  );
});
