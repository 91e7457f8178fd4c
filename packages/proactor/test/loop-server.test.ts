// Server (base_events.py Server, 3.12.1+ / 3.13): serveForever,
// waitClosed, close with clients connected, closeClients / abortClients,
// asyncDispose, and 200 concurrent connections. Ported from CPython's
// test_server.py (TestServer2: test_wait_closed_basic, test_serve_forever
// cancel, test_close_clients, test_abort_clients) and test_events.py.
import { CancelledError, RuntimeError, sleep } from '@iocp/futures';
import { BaseProactorEventLoop } from '@iocp/proactor';
import type { Server } from '@iocp/proactor';

import { openFds } from './helpers';
import { Recorder, run } from './loop-helpers';

describe('Server', () => {
  let loop: BaseProactorEventLoop;
  let fdsBefore: number;

  beforeEach(() => {
    fdsBefore = openFds();
    loop = new BaseProactorEventLoop();
  });

  afterEach(async () => {
    await loop.close();
    expect(openFds()).toBe(fdsBefore);
  });

  const addrOf = (server: Server): [string, number] =>
    server.sockets[0].getsockname() as [string, number];

  async function connect(server: Server): Promise<Recorder> {
    const [host, port] = addrOf(server);
    const [, p] = await loop.createConnection(() => new Recorder(), host, port);
    return p;
  }

  it('serveForever until its task is cancelled: the server closes and the task ends cancelled', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, {
        startServing: false,
      });
      const task = loop.createTask(() => server.serveForever());
      await sleep(0);
      expect(server.isServing()).toBe(true);
      await expect(server.serveForever()).rejects.toThrow(RuntimeError);
      task.cancel();
      await expect(task).rejects.toThrow(CancelledError);
      expect(task.cancelled()).toBe(true);
      expect(server.sockets).toEqual([]);
      expect(server.isServing()).toBe(false);
      await expect(server.serveForever()).rejects.toThrow(/is closed/);
    });
  });

  it('close() ends a pending serveForever with CancelledError', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0);
      const serving = server.serveForever();
      await sleep(0);
      server.close();
      await expect(serving).rejects.toThrow(CancelledError);
    });
  });

  it('waitClosed waits for close() even with no client (3.12.1), then for every client to go', async () => {
    await run(loop, async () => {
      const accepted: Recorder[] = [];
      const server = await loop.createServer(
        () => {
          const r = new Recorder();
          accepted.push(r);
          return r;
        },
        '127.0.0.1',
        0,
      );
      let closedSeen = false;
      const waiting = server.waitClosed().then(() => {
        closedSeen = true;
      });
      await sleep(0);
      expect(closedSeen).toBe(false);
      const client = await connect(server);
      while (accepted.length === 0) await sleep(0);
      server.close();
      // Connections already accepted stay open after close().
      client.transport!.write(Buffer.from('still here'));
      expect((await accepted[0].received(10)).toString()).toBe('still here');
      for (let i = 0; i < 3; i++) await sleep(0);
      expect(closedSeen).toBe(false);
      client.transport!.close();
      await client.lost;
      await accepted[0].lost;
      await waiting;
      expect(closedSeen).toBe(true);
      // Once closed and empty, waitClosed resolves at once.
      await server.waitClosed();
    });
  });

  it('closeClients closes every accepted connection; the clients see EOF and connectionLost', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0);
      const clients = [await connect(server), await connect(server), await connect(server)];
      server.close();
      server.closeClients();
      await server.waitClosed();
      for (const c of clients) {
        expect(await c.lost).toBeNull();
        expect(c.events).toEqual(['made', 'eof', 'lost']);
      }
    });
  });

  it('abortClients aborts every accepted connection', async () => {
    await run(loop, async () => {
      const accepted: Recorder[] = [];
      let bothAccepted!: () => void;
      const accepting = new Promise<void>((r) => (bothAccepted = r));
      const server = await loop.createServer(
        () => {
          const r = new Recorder();
          accepted.push(r);
          if (accepted.length === 2) bothAccepted();
          return r;
        },
        '127.0.0.1',
        0,
      );
      const clients = [await connect(server), await connect(server)];
      await accepting;
      server.close();
      server.abortClients();
      await server.waitClosed();
      for (const c of clients) {
        await c.lost;
        expect(c.events).toContain('lost');
      }
      for (const a of accepted) expect(await a.lost).toBeNull();
    });
  });

  it('[Symbol.asyncDispose] closes the server and waits for its clients to go', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0);
      const sock = server.sockets[0];
      const client = await connect(server);
      let disposed = false;
      const disposing = server[Symbol.asyncDispose]().then(() => {
        disposed = true;
      });
      expect(sock.closed).toBe(true);
      await sleep(0);
      expect(disposed).toBe(false);
      client.transport!.close();
      await disposing;
      expect(disposed).toBe(true);
    });
  });

  it('a server closed while clients are connected: clients keep working until they close', async () => {
    await run(loop, async () => {
      const accepted: Recorder[] = [];
      let bothServed!: () => void;
      const served = new Promise<void>((r) => (bothServed = r));
      const server = await loop.createServer(
        () => {
          const r = new Recorder(true);
          accepted.push(r);
          if (accepted.length === 2) void Promise.all(accepted.map((a) => a.made)).then(bothServed);
          return r;
        },
        '127.0.0.1',
        0,
      );
      const clients = await Promise.all([connect(server), connect(server)]);
      // A client's connect completes when the kernel accepts, maybe before
      // the server's accept loop took it: close once both were served.
      await served;
      server.close();
      expect(server.sockets).toEqual([]);
      for (const [i, c] of clients.entries()) {
        c.transport!.write(Buffer.from(`echo ${i}`));
        expect((await c.received(6)).toString()).toBe(`echo ${i}`);
      }
      for (const c of clients) c.transport!.close();
      await Promise.all(clients.map((c) => c.lost));
      await server.waitClosed();
    });
  });

  it('a listening socket whose accept loop failed leaves the server; the last one closes it', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(), ['127.0.0.1', '::1'], 0, {
        startServing: false,
      });
      const [a, b] = server.sockets;
      const serving = server.serveForever();
      await sleep(0);
      // What the accept loop calls after 'Accept failed on a socket' (it closed the socket).
      a.close();
      server._stopServing(a);
      expect(server.sockets).toEqual([b]);
      expect(server.isServing()).toBe(true);
      b.close();
      server._stopServing(b);
      expect(server.sockets).toEqual([]);
      expect(server.isServing()).toBe(false);
      await expect(serving).rejects.toThrow(CancelledError);
      await server.waitClosed();
    });
  });

  if (process.platform === 'linux') {
    it('an accept that fails (a listener shut down, Linux) is reported and the server stops', async () => {
      await run(loop, async () => {
        const contexts: Array<{ message: string }> = [];
        loop.setExceptionHandler((_l, ctx) => void contexts.push(ctx));
        const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0);
        const serving = server.serveForever();
        server.sockets[0].shutdown('read');
        await expect(serving).rejects.toThrow(CancelledError);
        expect(contexts.map((c) => c.message)).toEqual(['Accept failed on a socket']);
        expect(server.sockets).toEqual([]);
        await server.waitClosed();
      });
    });
  }

  it('200 concurrent connections each get their own echo', async () => {
    await run(loop, async () => {
      const server = await loop.createServer(() => new Recorder(true), '127.0.0.1', 0, {
        backlog: 256,
      });
      const [host, port] = addrOf(server);
      const conns = await Promise.all(
        Array.from({ length: 200 }, () => loop.createConnection(() => new Recorder(), host, port)),
      );
      await Promise.all(
        conns.map(async ([t, p], i) => {
          const msg = `client ${i} says hello`;
          t.write(Buffer.from(msg));
          expect((await p.received(msg.length)).toString()).toBe(msg);
        }),
      );
      for (const [t] of conns) t.close();
      await Promise.all(conns.map(([, p]) => p.lost));
      server.close();
      await server.waitClosed();
    });
  });
});
