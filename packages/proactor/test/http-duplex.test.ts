// Node's http module served over proactor-accepted sockets: an http.Server
// that never listens is fed each accepted connection as a Duplex
// (server.emit('connection', asDuplex(...))), and Node's own clients
// (http.get, http.request, fetch) talk to the proactor's listening socket.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { BaseProactorEventLoop, asDuplex, startServer } from '@iocp/proactor';
import type { AbstractServer, Protocol, Transport } from '@iocp/proactor';
import type { ExceptionContext } from '@iocp/futures';

import { openFds } from './helpers';

type Addr = [string, number];

/**
 * An http.Server whose handler answers GET / and a POST with the body's
 * length and hash; with `close`, each connection is closed after its
 * response (no pooled socket left behind).
 */
function httpServer(close = false): http.Server {
  return http.createServer((req, res) => {
    if (close) res.setHeader('connection', 'close');
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from ${req.socket.remoteAddress === '127.0.0.1' ? 'loopback' : String(req.socket.remoteAddress)}`);
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => res.end(`${size} ${hash.digest('hex')}`));
  });
}

/** http.get/request with no agent (no kept-alive socket), resolving to status and body. */
function request(addr: Addr, method: 'GET' | 'POST', body?: Buffer): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: addr[0], port: addr[1], method, path: '/', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString()]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('http over asDuplex', () => {
  let loop: BaseProactorEventLoop;
  let fdsBefore: number;
  let server: AbstractServer | null = null;
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
    const s = server;
    server = null;
    if (s !== null) {
      await loop.runUntilComplete(async () => {
        s.close();
        await s.waitClosed();
      });
    }
    await loop.close();
    expect(messages).toEqual([]);
    expect(openFds()).toBe(fdsBefore);
  });

  const run = <T>(fn: () => Promise<T>): Promise<T> => loop.runUntilComplete(() => fn());

  it('http.get and a 4 MiB POST through transports taken over by asDuplex', async () => {
    const web = httpServer();
    const [get, post] = await run(async () => {
      server = await loop.createServer(
        (): Protocol => ({ connectionMade: (t: Transport) => web.emit('connection', asDuplex(t)) }),
        '127.0.0.1',
        0,
      );
      const addr = server.sockets[0].getsockname() as Addr;
      const body = Buffer.alloc(4 * 1024 * 1024, 0x5a);
      return Promise.all([
        request(addr, 'GET'),
        request(addr, 'POST', body).then(([status, text]) => {
          expect(text).toBe(`${body.length} ${createHash('sha256').update(body).digest('hex')}`);
          return status;
        }),
      ]);
    });
    expect(get).toEqual([200, 'hello from loopback']);
    expect(post).toBe(200);
  });

  it('fetch (http.get on Windows) talks to an http.Server fed by startServer streams', async () => {
    const web = httpServer(true);
    const [status, text, remote] = await run(async () => {
      let remoteAddr: string | undefined;
      server = await startServer(
        (reader, writer) => {
          const duplex = asDuplex([reader, writer]);
          remoteAddr = (duplex as unknown as { remoteAddress?: string }).remoteAddress;
          web.emit('connection', duplex);
        },
        '127.0.0.1',
        0,
        { loop },
      );
      const addr = server.sockets[0].getsockname() as AddressInfo | Addr;
      const port = Array.isArray(addr) ? addr[1] : addr.port;
      if (process.platform === 'win32') {
        // Under Wine, fetch (undici) cannot connect even to Node's own
        // http server ('connect UNKNOWN'); http.get talks to the same server.
        const [code, body] = await request(['127.0.0.1', port], 'GET');
        return [code, body, remoteAddr] as const;
      }
      const res = await fetch(`http://127.0.0.1:${port}/`);
      return [res.status, await res.text(), remoteAddr] as const;
    });
    expect([status, text, remote]).toEqual([200, 'hello from loopback', '127.0.0.1']);
  });
});
