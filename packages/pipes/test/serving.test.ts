// startServingPipe and createPipeConnection on a BaseProactorEventLoop, on
// this process's backend. Ports of CPython's test_windows_events.py
// ProactorTests.test_pipe and test_client_pipe_stat (gh-100573), and more:
// many clients, clients that leave early, a server closed under its
// clients, message mode.
import * as os from 'node:os';

import { FileNotFoundError } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { native } from '@iocp/native';
import { PipeHandle, StreamReader, StreamReaderProtocol, pipePath } from '@iocp/proactor';
import type { BaseProactorEventLoop, Protocol, Transport } from '@iocp/proactor';
import { PipeServer, createPipeConnection, startServingPipe } from '@iocp/pipes';

import { Recorder, UpperProto, address, closeLoop, isWindows, newLoop } from './helpers';

/** The negated "no such pipe" code of a raw open. */
const NO_PIPE = isWindows ? -2 : -os.constants.errno.ENOENT;
const PIPE_BUSY = isWindows ? -231 : -11;

describe('startServingPipe / createPipeConnection', () => {
  let loop: BaseProactorEventLoop;
  let errors: ExceptionContext[];
  const closeMe: Array<{ close(): unknown }> = [];

  beforeEach(() => {
    loop = newLoop();
    errors = [];
    loop.setExceptionHandler((_loop, ctx) => void errors.push(ctx));
  });

  afterEach(async () => {
    for (const c of closeMe.splice(0).reverse()) c.close();
    await closeLoop(loop);
  });

  function track<T extends { close(): unknown }>(x: T): T {
    closeMe.push(x);
    return x;
  }

  const run = <T>(fn: () => Promise<T>): Promise<T> => loop.runUntilComplete<T>(fn);

  async function serve(factory: () => Protocol, addr: string, opts = {}): Promise<PipeServer> {
    const [server] = await startServingPipe(loop, factory, addr, opts);
    return track(server);
  }

  it('serves five clients upper-casing lines, then the name is gone (test_pipe)', async () => {
    const res = await run(async () => {
      const addr = address('upper');
      await expect(createPipeConnection(loop, () => ({}), addr)).rejects.toBeInstanceOf(FileNotFoundError);

      const server = await serve(() => new UpperProto(), addr);
      expect(server).toBeInstanceOf(PipeServer);

      const clients: Array<[StreamReader, Transport]> = [];
      for (let i = 0; i < 5; i++) {
        const reader = new StreamReader({ loop });
        const protocol = new StreamReaderProtocol(reader, null, loop);
        const [trans, proto] = await createPipeConnection(loop, () => protocol, addr);
        expect(proto).toBe(protocol);
        expect(trans.getExtraInfo('addr')).toBe(addr);
        expect(trans.getExtraInfo('pipe')).toBeInstanceOf(PipeHandle);
        clients.push([reader, trans]);
      }
      clients.forEach(([, w], i) => w.write(Buffer.from(`lower-${i}\n`)));
      for (const [i, [r, w]] of clients.entries()) {
        expect((await r.readline()).toString()).toBe(`LOWER-${i}\n`);
        w.close();
      }
      server.close();
      await expect(createPipeConnection(loop, () => ({}), addr)).rejects.toBeInstanceOf(FileNotFoundError);
      return 'done';
    });
    expect(res).toBe('done');
    expect(errors).toEqual([]);
  });

  it('a client that connects and leaves at once costs no exception-handler call (test_client_pipe_stat, gh-100573)', async () => {
    const addr = address('probe');
    const name = pipePath(addr);
    // Port of the test's probe(): open, open again (busy is fine), close both.
    // The first open waits while every instance is busy, as a client does
    // (CPython's connect_pipe retries ERROR_PIPE_BUSY): the server makes the
    // next instance once its accept loop has seen the last client, which a
    // loaded machine under Wine may take a while to do.
    const probe = async (): Promise<number> => {
      let h = native.pipeOpen(name);
      for (const deadline = Date.now() + 10000; h === PIPE_BUSY && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 5));
        h = native.pipeOpen(name);
      }
      if (h < 0) return h;
      const again = native.pipeOpen(name);
      if (again >= 0) new PipeHandle(again).close();
      else expect(again).toBe(PIPE_BUSY);
      new PipeHandle(h).close();
      return 0;
    };
    await run(async () => {
      expect(await probe()).toBe(NO_PIPE);
      const server = await serve(() => ({}), addr);
      for (let i = 0; i < 5; i++) {
        expect(await probe()).toBe(0);
        // Let the server's accept loop see the client come and go.
        for (let j = 0; j < 20; j++) await new Promise<void>((r) => setImmediate(r));
      }
      expect(errors).toEqual([]);
      server.close();
      expect(await probe()).toBe(NO_PIPE);
    });
  });

  it('serves 100 clients connecting at once', async () => {
    await run(async () => {
      const addr = address('hundred');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop, (self, data) => self.transport!.write(data));
        served.push(p);
        return p;
      }, addr);
      const clients = await Promise.all(
        Array.from({ length: 100 }, () => createPipeConnection(loop, () => new Recorder(loop), addr)),
      );
      clients.forEach(([t], i) => t.write(Buffer.from(`client-${i};`)));
      await Promise.all(clients.map(([, p], i) => p.waitFor(`client-${i};`.length)));
      clients.forEach(([, p], i) => expect(p.received().toString()).toBe(`client-${i};`));
      expect(served.length).toBe(100);
      for (const [t] of clients) t.close();
      await Promise.all(served.map((p) => p.lost));
      await Promise.all(clients.map(([, p]) => p.lost));
    });
    expect(errors).toEqual([]);
  }, 60_000);

  it('a client that leaves in the middle of a message ends its connection and the server goes on', async () => {
    await run(async () => {
      const addr = address('midway');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop, (self) => {
          if (self.received().includes(0x0a)) self.transport!.write(Buffer.from(self.received().toString().toUpperCase()));
        });
        served.push(p);
        return p;
      }, addr);
      const [t1, p1] = await createPipeConnection(loop, () => new Recorder(loop), addr);
      t1.write(Buffer.from('half a mess'));
      await p1.made;
      while (served.length === 0 || served[0].size() < 11) await new Promise<void>((r) => setImmediate(r));
      t1.abort();
      expect(await served[0].lost).toBeNull();
      expect(served[0].received().toString()).toBe('half a mess');

      const [t2, p2] = await createPipeConnection(loop, () => new Recorder(loop), addr);
      t2.write(Buffer.from('whole line\n'));
      await p2.waitFor(11);
      expect(p2.received().toString()).toBe('WHOLE LINE\n');
      t2.close();
      await served[1].lost;
    });
    expect(errors).toEqual([]);
  });

  it('closing the server stops new clients; accepted ones go on until they close', async () => {
    await run(async () => {
      const addr = address('closing');
      const served: Recorder[] = [];
      const server = await serve(() => {
        const p = new Recorder(loop, (self, data) => self.transport!.write(data));
        served.push(p);
        return p;
      }, addr);
      const clients = [];
      for (let i = 0; i < 3; i++) clients.push(await createPipeConnection(loop, () => new Recorder(loop), addr));
      // Connected means accepted: a client the server had not taken yet
      // goes with the server's instance (as in CPython).
      while (served.length < 3) await new Promise<void>((r) => setImmediate(r));
      server.close();
      expect(server.closed()).toBe(true);
      server.close();
      // Linux: the socket file is gone at once. Windows: the name lives
      // while a connected instance does, and a client meanwhile finds every
      // instance busy, which connectPipe retries until the last one closes.
      const late = createPipeConnection(loop, () => ({}), addr);
      const lateError = late.catch((e: unknown) => e);
      if (!isWindows) expect(await lateError).toBeInstanceOf(FileNotFoundError);
      for (const [i, [t, p]] of clients.entries()) {
        t.write(Buffer.from(`still-${i}`));
        await p.waitFor(7);
        expect(p.received().toString()).toBe(`still-${i}`);
      }
      let lateDone = false;
      void lateError.then(() => (lateDone = true));
      await new Promise<void>((r) => setImmediate(r));
      expect(lateDone).toBe(!isWindows);
      for (const [t, p] of clients) {
        t.close();
        await p.lost;
      }
      await Promise.all(served.map((p) => p.lost));
      expect(served.length).toBe(3);
      expect(await lateError).toBeInstanceOf(FileNotFoundError);
    });
    expect(errors).toEqual([]);
  });

  it('message mode: each read is one whole message, under load from many clients', async () => {
    await run(async () => {
      const addr = address('msg');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop, (self, data) => self.transport!.write(data));
        served.push(p);
        return p;
      }, addr, { messageMode: true });
      const sizes = [1, 7, 300, 4096, 8191, 8193, 20000, 60000, 2, 65000];
      const client = async (c: number): Promise<void> => {
        const [t, p] = await createPipeConnection(loop, () => new Recorder(loop), addr);
        let total = 0;
        for (const [i, size] of sizes.entries()) {
          const msg = Buffer.alloc(size, (c * 16 + i) & 0xff);
          t.write(msg);
          total += size;
          await p.waitFor(total);
          // The echo of one message comes back as one read.
          expect(p.chunks.length).toBe(i + 1);
          expect(p.chunks[i].equals(msg)).toBe(true);
        }
        t.close();
        await p.lost;
      };
      await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
      expect(served.length).toBe(8);
      for (const p of served) {
        await p.lost;
        expect(p.chunks.map((b) => b.length)).toEqual(sizes);
      }
    });
    expect(errors).toEqual([]);
  }, 60_000);

  it('a BufferedProtocol server reads into the buffer it lends and echoes from it (byte and message mode)', async () => {
    await run(async () => {
      class BufferedEcho {
        transport: Transport | null = null;
        readonly buf: Buffer;
        readonly sizes: number[] = [];
        readonly lost = loop.createFuture<void>();
        constructor(size: number) {
          this.buf = Buffer.alloc(size);
        }
        connectionLost(): void {
          this.lost.setResult(undefined);
        }
        connectionMade(t: Transport): void {
          this.transport = t;
        }
        getBuffer(): Uint8Array {
          return this.buf;
        }
        bufferUpdated(n: number): void {
          this.sizes.push(n);
          this.transport!.write(this.buf.subarray(0, n));
        }
      }
      // Byte mode with a small buffer: a 256 KiB stream per client comes
      // back whole, in order, through reads of at most 4 KiB.
      const bytes = address('buffered');
      const small: BufferedEcho[] = [];
      await serve(() => {
        const p = new BufferedEcho(4096);
        small.push(p);
        return p;
      }, bytes);
      const stream = async (c: number): Promise<void> => {
        const [t, p] = await createPipeConnection(loop, () => new Recorder(loop), bytes);
        const data = Buffer.alloc(256 * 1024);
        for (let i = 0; i < data.length; i++) data[i] = (i * 7 + c) & 0xff;
        t.write(data);
        await p.waitFor(data.length);
        expect(Buffer.concat(p.chunks).equals(data)).toBe(true);
        t.close();
        await p.lost;
      };
      await Promise.all([0, 1, 2, 3].map(stream));
      expect(small.length).toBe(4);
      for (const p of small) {
        // The server's side ends too (the client's close reads as EOF).
        await p.lost;
        expect(Math.max(...p.sizes)).toBeLessThanOrEqual(4096);
      }
      // Message mode: each read fills the lent buffer with one whole message.
      const msgs = address('buffered-msg');
      const big: BufferedEcho[] = [];
      await serve(() => {
        const p = new BufferedEcho(64 * 1024);
        big.push(p);
        return p;
      }, msgs, { messageMode: true });
      const sizes = [1, 300, 8193, 60000, 2];
      const [t, p] = await createPipeConnection(loop, () => new Recorder(loop), msgs);
      let total = 0;
      for (const [i, size] of sizes.entries()) {
        const msg = Buffer.alloc(size, i + 1);
        t.write(msg);
        total += size;
        await p.waitFor(total);
      }
      expect(big[0].sizes).toEqual(sizes);
      t.close();
      await p.lost;
      await big[0].lost;
    });
    expect(errors).toEqual([]);
  }, 60_000);

  it('message mode: messages sent back to back arrive one per read', async () => {
    await run(async () => {
      const addr = address('msgs');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop);
        served.push(p);
        return p;
      }, addr, { messageMode: true });
      const h = track(await loop._proactor.connectPipe(addr));
      const msgs = Array.from({ length: 300 }, (_, i) => Buffer.from(`message ${i} `.repeat((i % 13) + 1)));
      await Promise.all(msgs.map((m) => loop._proactor.send(h, m)));
      const total = msgs.reduce((n, m) => n + m.length, 0);
      while (served.length === 0 || served[0].size() < total) await new Promise<void>((r) => setImmediate(r));
      expect(served[0].chunks.map((b) => b.toString())).toEqual(msgs.map((m) => m.toString()));
      h.close();
      await served[0].lost;
    });
    expect(errors).toEqual([]);
  });

  it('byte mode (the default) is a stream: back-to-back writes may arrive together', async () => {
    await run(async () => {
      const addr = address('bytes');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop);
        served.push(p);
        return p;
      }, addr);
      const h = track(await loop._proactor.connectPipe(addr));
      const msgs = Array.from({ length: 50 }, (_, i) => Buffer.from(`m${i};`));
      await Promise.all(msgs.map((m) => loop._proactor.send(h, m)));
      const want = Buffer.concat(msgs).toString();
      while (served.length === 0 || served[0].size() < want.length) await new Promise<void>((r) => setImmediate(r));
      expect(served[0].received().toString()).toBe(want);
      h.close();
      await served[0].lost;
    });
  });

  // Windows only: Linux has no instance limit for a Unix socket listener.
  (isWindows ? it : it.skip)('maxInstances: a client waits (busy) while every instance is taken, then connects', async () => {
    await run(async () => {
      const addr = address('max');
      const served: Recorder[] = [];
      await serve(() => {
        const p = new Recorder(loop, (self, data) => self.transport!.write(data));
        served.push(p);
        return p;
      }, addr, { maxInstances: 2 });
      const echo = async (t: Transport, p: Recorder, text: string): Promise<void> => {
        const before = p.size();
        t.write(Buffer.from(text));
        await p.waitFor(before + text.length);
      };
      const [ta, pa] = await createPipeConnection(loop, () => new Recorder(loop), addr);
      const [tb, pb] = await createPipeConnection(loop, () => new Recorder(loop), addr);
      await echo(ta, pa, 'a');
      await echo(tb, pb, 'b');
      // Both instances are connected: a third client is kept waiting.
      let third: [Transport, Recorder] | null = null;
      const connecting = createPipeConnection(loop, () => new Recorder(loop), addr).then((r) => (third = r));
      await echo(ta, pa, 'a2');
      await echo(tb, pb, 'b2');
      expect(third).toBeNull();
      ta.close();
      await pa.lost;
      const [tc, pc] = await connecting;
      await echo(tc, pc, 'c');
      expect(pc.received().toString()).toBe('c');
      tb.close();
      tc.close();
      await Promise.all([pb.lost, pc.lost, ...served.map((p) => p.lost)]);
    });
    expect(errors).toEqual([]);
  }, 60_000);

  it('bad arguments throw synchronously', async () => {
    expect(() => startServingPipe({} as BaseProactorEventLoop, () => ({}), address())).toThrow(TypeError);
    expect(() => startServingPipe(loop, 'x' as unknown as () => Protocol, address())).toThrow(TypeError);
    expect(() => startServingPipe(loop, () => ({}), 'nope')).toThrow(RangeError);
    expect(() => createPipeConnection(loop, () => ({}), 'nope')).toThrow(RangeError);
    expect(() => createPipeConnection(loop, () => ({}), 42 as unknown as string)).toThrow(TypeError);
  });
});
