// openConnection/startServer on a BaseProactorEventLoop, over real sockets.
// Ported from CPython's test_streams.py: test_start_server (async handler
// and plain callback), test_open_connection_error, test_drain_raises,
// test_wait_closed_on_close(_with_unread_data), test_async_writer_api
// (_exception_after_close), test_eof_feed_when_closing_writer,
// test_unhandled_exception, test_unhandled_cancel; plus echo with 5 clients
// upper-casing lines, drain under flow control, and a peer that resets
// mid-write.
import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionResetError,
  currentTask,
  gather,
  sleep,
} from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { BaseProactorEventLoop, Socket, openConnection, startServer } from '@iocp/proactor';
import type { AbstractServer, StreamReader, StreamWriter } from '@iocp/proactor';

import { listener, openFds } from './helpers';

type Addr = [string, number];

describe('streams over real sockets', () => {
  let loop: BaseProactorEventLoop;
  let messages: ExceptionContext[];
  let fdsBefore: number;
  const servers: AbstractServer[] = [];
  const sockets: Socket[] = [];

  beforeEach(() => {
    fdsBefore = openFds();
    loop = new BaseProactorEventLoop();
    messages = [];
    loop.setExceptionHandler((_l, ctx) => {
      messages.push(ctx);
    });
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    if (servers.length > 0) {
      await loop.runUntilComplete(async () => {
        for (const server of servers.splice(0)) {
          server.close();
          // A failed test may leave a connection open: drop it.
          server.abortClients();
          await server.waitClosed();
        }
      });
    }
    await loop.close();
    expect(openFds()).toBe(fdsBefore);
  });

  const run = <T>(fn: () => Promise<T>): Promise<T> => loop.runUntilComplete(() => fn());

  async function serve(handler: (r: StreamReader, w: StreamWriter) => unknown): Promise<Addr> {
    const server = await startServer(handler, '127.0.0.1', 0, { loop });
    servers.push(server);
    return server.sockets[0].getsockname() as Addr;
  }

  async function echoLine(r: StreamReader, w: StreamWriter): Promise<void> {
    const data = await r.readline();
    w.write(data);
    await w.drain();
    w.close();
    await w.waitClosed();
  }

  async function client(addr: Addr): Promise<string> {
    const [reader, writer] = await openConnection(...addr, { loop });
    writer.write(Buffer.from('hello world!\n'));
    const back = await reader.readline();
    writer.close();
    await writer.waitClosed();
    return back.toString();
  }

  it('startServer with an async handler echoes a line (test_start_server)', async () => {
    const got = await run(async () => {
      const addr = await serve(echoLine);
      return client(addr);
    });
    expect(got).toBe('hello world!\n');
    expect(messages).toEqual([]);
  });

  it('startServer with a plain callback that starts its own task (test_start_server)', async () => {
    const got = await run(async () => {
      const addr = await serve((r, w) => {
        loop.createTask(() => echoLine(r, w));
      });
      return client(addr);
    });
    expect(got).toBe('hello world!\n');
    expect(messages).toEqual([]);
  });

  it('startServer on a listening socket given as opts.sock', async () => {
    const got = await run(async () => {
      const sock = listener();
      const server = await startServer(echoLine, null, null, { loop, sock });
      servers.push(server);
      return client(sock.getsockname() as Addr);
    });
    expect(got).toBe('hello world!\n');
  });

  it('five clients get their lines back upper-cased', async () => {
    const results = await run(async () => {
      const addr = await serve(async (r, w) => {
        for await (const line of r) {
          w.write(Buffer.from(line.toString().toUpperCase()));
          await w.drain();
        }
        w.close();
      });
      const one = async (i: number): Promise<string[]> => {
        const [reader, writer] = await openConnection(...addr, { loop });
        const got: string[] = [];
        for (let n = 0; n < 20; n++) {
          writer.write(Buffer.from(`client ${i} line ${n}\n`));
          await writer.drain();
          got.push((await reader.readline()).toString());
        }
        writer.writeEof();
        expect((await reader.read()).length).toBe(0);
        writer.close();
        await writer.waitClosed();
        return got;
      };
      return gather(...[0, 1, 2, 3, 4].map((i) => loop.createTask(() => one(i))));
    });
    for (let i = 0; i < 5; i++) {
      expect(results[i]).toEqual(Array.from({ length: 20 }, (_, n) => `CLIENT ${i} LINE ${n}\n`));
    }
    expect(messages).toEqual([]);
  });

  it('a connection error set on the protocol fails the reads (test_open_connection_error)', async () => {
    await run(async () => {
      const addr = await serve(async (r, w) => {
        await r.read();
        w.close();
      });
      const [reader, writer] = await openConnection(...addr, { loop });
      const error = new Error('zero division');
      (writer as unknown as { _protocol: { connectionLost(e: Error): void } })._protocol.connectionLost(error);
      await expect(reader.read()).rejects.toBe(error);
      writer.close();
    });
    await run(async () => undefined);
    expect(messages).toEqual([]);
  });

  it('drain waits while the peer does not read, and returns once the buffer is under the low-water mark', async () => {
    await run(async () => {
      const gotPeer = loop.createFuture<[StreamReader, StreamWriter]>();
      const addr = await serve((r, w) => gotPeer.setResult([r, w]));
      const [, writer] = await openConnection(...addr, { loop });
      const [serverReader, serverWriter] = await gotPeer;
      // Small socket buffers, so the kernel cannot take what is written.
      writer.getExtraInfo<Socket>('socket')!.setsockopt('SO_SNDBUF', 32 * 1024);
      serverReader._transport!.getExtraInfo<Socket>('socket')!.setsockopt('SO_RCVBUF', 32 * 1024);
      const low = 16 * 1024;
      writer.transport.setWriteBufferLimits({ high: 64 * 1024, low });
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const count = 32; // 8 MiB: far more than the socket buffers hold.
      for (let i = 0; i < count; i++) writer.write(chunk);
      writer.writeEof();
      const protocol = writer._protocol;
      expect(protocol._paused).toBe(true);
      let sizeWhenDrained = -1;
      const drain = writer.drain().then(() => {
        sizeWhenDrained = writer.transport.getWriteBufferSize();
      });
      // Nobody reads: the loop turns, the drain keeps waiting.
      for (let i = 0; i < 10; i++) await sleep(1);
      expect(sizeWhenDrained).toBe(-1);
      expect(protocol._paused).toBe(true);
      // The server reads everything: the buffer empties and drain returns.
      const all = await serverReader.read();
      expect(all.length).toBe(count * chunk.length);
      await drain;
      expect(sizeWhenDrained).toBeLessThanOrEqual(low);
      serverWriter.close();
      writer.close();
      await writer.waitClosed();
      await serverWriter.waitClosed();
    });
  });

  it('drain raises once the peer closed the connection (test_drain_raises)', async () => {
    // The peer is a plain socket: accept, then close at once.
    const lsock = listener();
    sockets.push(lsock);
    const addr = lsock.getsockname() as Addr;
    const error = await run(async () => {
      const accepted = loop._proactor.accept(lsock).then(([s]) => s.close());
      const [, writer] = await openConnection(...addr, { loop });
      await accepted;
      try {
        for (;;) {
          writer.write(Buffer.from('foo\n'));
          await writer.drain();
        }
      } catch (e) {
        writer.close();
        return e;
      }
    });
    expect([ConnectionResetError, ConnectionAbortedError, BrokenPipeError].some((c) => error instanceof c)).toBe(true);
    await run(async () => undefined);
    expect(messages).toEqual([]);
  });

  it('a peer that resets mid-write is seen by drain() as its error', async () => {
    const error = await run(async () => {
      const addr = await serve(async (r, w) => {
        await r.readexactly(1);
        // Unread data in the socket: the close resets the connection.
        w.transport.abort();
      });
      const [, writer] = await openConnection(...addr, { loop });
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      try {
        for (;;) {
          writer.write(chunk);
          await writer.drain();
        }
      } catch (e) {
        writer.close();
        return e;
      }
    });
    expect([ConnectionResetError, ConnectionAbortedError, BrokenPipeError].some((c) => error instanceof c)).toBe(true);
  });

  it('waitClosed resolves after close, with unread data too (test_wait_closed_on_close*)', async () => {
    await run(async () => {
      const addr = await serve(async (r, w) => {
        await r.readline();
        w.write(Buffer.from('HTTP/1.0 200 OK\r\n\r\nTest message'));
        w.close();
      });
      for (const readAll of [true, false]) {
        const [reader, writer] = await openConnection(...addr, { loop });
        writer.write(Buffer.from('GET / HTTP/1.0\r\n'));
        expect((await reader.readline()).toString()).toBe('HTTP/1.0 200 OK\r\n');
        if (readAll) expect((await reader.read()).toString()).toBe('\r\nTest message');
        expect(writer.isClosing()).toBe(false);
        writer.close();
        expect(writer.isClosing()).toBe(true);
        await writer.waitClosed();
      }
    });
    expect(messages).toEqual([]);
  });

  it('write then drain after close raises ConnectionResetError (test_async_writer_api_exception_after_close)', async () => {
    await run(async () => {
      const addr = await serve(async (r, w) => {
        await r.read();
        w.close();
      });
      const [, writer] = await openConnection(...addr, { loop });
      writer.close();
      writer.write(Buffer.from('data'));
      await expect(writer.drain()).rejects.toBeInstanceOf(ConnectionResetError);
    });
    expect(messages).toEqual([]);
  });

  it('closing the writer feeds EOF to the reader (test_eof_feed_when_closing_writer)', async () => {
    await run(async () => {
      const addr = await serve(async (r, w) => {
        await r.read();
        w.close();
      });
      const [reader, writer] = await openConnection(...addr, { loop });
      writer.close();
      await writer.waitClosed();
      expect(reader.atEof()).toBe(true);
      expect((await reader.read()).length).toBe(0);
    });
    expect(messages).toEqual([]);
  });

  it('a handler that throws is reported (test_unhandled_exception)', async () => {
    await run(async () => {
      const addr = await serve(async () => {
        throw new Error('test');
      });
      const [reader, writer] = await openConnection(...addr, { loop });
      writer.write(Buffer.from('test msg'));
      await writer.drain();
      // The failed handler closed the connection.
      expect((await reader.read()).length).toBe(0);
      writer.close();
      await writer.waitClosed();
    });
    expect(messages.map((m) => m.message)).toEqual(['Unhandled exception in client_connected_cb']);
    expect((messages[0].exception as Error).message).toBe('test');
  });

  it('a handler that cancels itself is not reported (test_unhandled_cancel)', async () => {
    await run(async () => {
      const addr = await serve(async () => {
        currentTask()!.cancel();
        await loop.createFuture();
      });
      const [reader, writer] = await openConnection(...addr, { loop });
      expect((await reader.read()).length).toBe(0);
      writer.close();
      await writer.waitClosed();
    });
    expect(messages).toEqual([]);
  });

  it('openConnection rejects with the connection error and leaves nothing open', async () => {
    const port = (() => {
      const s = new Socket();
      s.bind(['127.0.0.1', 0]);
      const p = (s.getsockname() as Addr)[1];
      s.close();
      return p;
    })();
    await expect(run(() => openConnection('127.0.0.1', port, { loop }))).rejects.toThrow(/refused|ECONNREFUSED/i);
  });

  it('bad arguments throw synchronously', () => {
    expect(() => openConnection('127.0.0.1', 1, { loop, limit: 0 })).toThrow(RangeError);
    expect(() => openConnection('127.0.0.1', 1, { loop, limit: 'x' as never })).toThrow(TypeError);
    expect(() => openConnection('127.0.0.1', 1, { loop: {} as never })).toThrow(TypeError);
    expect(() => startServer(42 as never, '127.0.0.1', 0, { loop })).toThrow(TypeError);
  });
});
