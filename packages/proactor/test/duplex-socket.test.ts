// asDuplex over real sockets: a 50 MiB transfer checked by hash through
// stream.pipeline (an echo server that pipes its Duplex into itself), the
// endings with and without allowHalfOpen, destroy() and a peer reset seen
// as 'error', the [reader, writer] take-over, and node:readline on top.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { BrokenPipeError, ConnectionAbortedError, ConnectionResetError } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { BaseProactorEventLoop, asDuplex, openConnection } from '@iocp/proactor';
import type { Protocol, Server, Transport } from '@iocp/proactor';

import { openFds } from './helpers';

type Addr = [string, number];

/** Resolves on 'close' (listen before it can happen). */
const closed = (stream: Duplex): Promise<void> => new Promise((resolve) => stream.once('close', () => resolve()));

/** Everything a Readable gives until 'end', joined (for await would destroy a Duplex at its end). */
function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(stream, 'end').then(() => Buffer.concat(chunks));
}

describe('asDuplex over real sockets', () => {
  let loop: BaseProactorEventLoop;
  let fdsBefore: number;
  const servers: Server[] = [];

  let messages: ExceptionContext[];

  beforeEach(() => {
    fdsBefore = openFds();
    loop = new BaseProactorEventLoop();
    messages = [];
    loop.setExceptionHandler((_l, ctx) => {
      messages.push(ctx);
    });
  });

  afterEach(async () => {
    if (servers.length > 0) {
      await loop.runUntilComplete(async () => {
        for (const server of servers.splice(0)) {
          server.close();
          server.abortClients();
          await server.waitClosed();
        }
      });
    }
    await loop.close();
    expect(messages).toEqual([]);
    expect(openFds()).toBe(fdsBefore);
  });

  const run = <T>(fn: () => Promise<T>): Promise<T> => loop.runUntilComplete(() => fn());

  /** A server handing each accepted transport to `onTransport`. */
  async function serve(onTransport: (t: Transport) => void): Promise<Addr> {
    const server = await loop.createServer(
      (): Protocol => ({ connectionMade: (t: Transport) => onTransport(t) }),
      '127.0.0.1',
      0,
    );
    servers.push(server);
    return server.sockets[0].getsockname() as Addr;
  }

  it('50 MiB go through pipeline and an echo server piped into itself, checked by hash', async () => {
    const total = 50 * 1024 * 1024;
    const [sent, got] = await run(async () => {
      const serverDone: Array<Promise<void>> = [];
      const addr = await serve((t) => {
        const duplex = asDuplex(t);
        serverDone.push(pipeline(duplex, duplex));
      });
      const duplex = asDuplex(await openConnection(...addr, { loop }));
      const block = randomBytes(1024 * 1024);
      const sentHash = createHash('sha256');
      async function* source(): AsyncGenerator<Buffer> {
        for (let i = 0; i < total / block.length; i++) {
          // Each block differs (its index in the first bytes) so order matters.
          const chunk = Buffer.from(block);
          chunk.writeUInt32BE(i, 0);
          sentHash.update(chunk);
          yield chunk;
        }
      }
      const gotHash = createHash('sha256');
      let received = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          received += chunk.length;
          gotHash.update(chunk);
          cb();
        },
      });
      await Promise.all([pipeline(source, duplex), pipeline(duplex, sink)]);
      await Promise.all(serverDone);
      expect(received).toBe(total);
      return [sentHash.digest('hex'), gotHash.digest('hex')];
    });
    expect(got).toBe(sent);
  }, 120_000);

  it('allowHalfOpen: the server still answers after the client ended its side', async () => {
    const answer = await run(async () => {
      const addr = await serve((t) => {
        const duplex = asDuplex(t, { allowHalfOpen: true });
        void readAll(duplex).then((request) => {
          expect(duplex.writable).toBe(true);
          duplex.end(Buffer.from(`you sent ${request.length} bytes`));
        });
      });
      const client = asDuplex(await openConnection(...addr, { loop }), { allowHalfOpen: true });
      const done = closed(client);
      client.end('twelve bytes');
      const reply = (await readAll(client)).toString();
      await done;
      return reply;
    });
    expect(answer).toBe('you sent 12 bytes');
  });

  it('without allowHalfOpen the peer EOF ends the writable side: the client sees EOF', async () => {
    const events = await run(async () => {
      const serverEvents: string[] = [];
      const serverClosed = loop.createFuture<void>();
      const addr = await serve((t) => {
        const duplex = asDuplex(t);
        duplex.on('end', () => serverEvents.push('end'));
        duplex.on('finish', () => serverEvents.push('finish'));
        duplex.on('close', () => serverClosed.setResult(undefined));
        duplex.resume();
      });
      const client = asDuplex(await openConnection(...addr, { loop }), { allowHalfOpen: true });
      client.end();
      expect((await readAll(client)).length).toBe(0);
      await serverClosed;
      return serverEvents;
    });
    expect(events.sort()).toEqual(['end', 'finish']);
  });

  it('destroy() aborts: close follows once the socket is closed, the peer sees the end', async () => {
    await run(async () => {
      const peerEnded = loop.createFuture<void>();
      const addr = await serve((t) => {
        const duplex = asDuplex(t);
        duplex.on('error', () => undefined);
        duplex.on('close', () => peerEnded.setResult(undefined));
        duplex.resume();
      });
      const [, writer] = await openConnection(...addr, { loop });
      const client = asDuplex(writer.transport);
      const done = closed(client);
      client.write('some');
      client.destroy();
      await done;
      expect(client.transport.isClosing()).toBe(true);
      await peerEnded;
    });
  });

  it('a peer that resets mid-write is an error event with the connection error', async () => {
    const error = await run(async () => {
      const addr = await serve((t) => {
        // Read a little, then reset (abort with unread data).
        const abortOnData: Protocol = { dataReceived: () => t.abort() };
        t.setProtocol(abortOnData);
      });
      const client = asDuplex(await openConnection(...addr, { loop }));
      const failed = new Promise<Error>((resolve) => client.once('error', resolve));
      const done = closed(client);
      const chunk = Buffer.alloc(64 * 1024, 0x63);
      const writeMore = (): void => {
        while (!client.destroyed && client.write(chunk));
        if (!client.destroyed) client.once('drain', writeMore);
      };
      writeMore();
      const e = await failed;
      await done;
      return e;
    });
    expect([ConnectionResetError, ConnectionAbortedError, BrokenPipeError].some((c) => error instanceof c)).toBe(true);
    expect((error as Error & { code?: string }).code).toMatch(/^E(CONNRESET|CONNABORTED|PIPE)$/);
  });

  it('[reader, writer] after some reads: the Duplex goes on where the reader stopped', async () => {
    const lines = await run(async () => {
      const addr = await serve((t) => {
        t.write(Buffer.from('header\nbody line 1\nbody line 2\n'));
        t.writeEof();
      });
      const [reader, writer] = await openConnection(...addr, { loop });
      expect((await reader.readline()).toString()).toBe('header\n');
      const duplex = asDuplex([reader, writer]);
      const done = closed(duplex);
      const got: string[] = [];
      // node:readline on top of the Duplex.
      for await (const line of createInterface({ input: duplex, crlfDelay: Infinity })) got.push(line);
      await done;
      await writer.waitClosed();
      return got;
    });
    expect(lines).toEqual(['body line 1', 'body line 2']);
  });
});
