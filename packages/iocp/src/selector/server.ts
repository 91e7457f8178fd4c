// Port of asyncio/base_events.py Server for the selector loop, on Node
// net.Server listeners: the interface of @iocp/proactor's Server (close,
// waitClosed, serveForever, startServing, isServing, sockets,
// closeClients, abortClients, getLoop, asyncDispose), the same semantics.
import type { Server as NetServer, Socket as NetSocket } from 'node:net';

import { CancelledError, RuntimeError, sleep } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import type { BaseProtocol, ProtocolFactory, SockAddr, Transport } from '@iocp/proactor';

import { sockAddr } from './addresses';
import type { SelectorLoopCore } from './loop-core';
import { SelectorStreamTransport } from './stream-transport';

/** A listening socket of a SelectorServer, as Server.sockets lists it. */
export class ListeningSocket {
  constructor(readonly server: NetServer) {}
  /** The bound address: [host, port] (IPv6: 4 items), or the path of a pipe. */
  getsockname(): SockAddr | string {
    const a = this.server.address();
    if (a === null) throw new RuntimeError('the socket is closed');
    if (typeof a === 'string') return a;
    return sockAddr(a.address, a.port, a.family) as SockAddr;
  }
  toString(): string {
    const a = this.server.address();
    return `<ListeningSocket ${a === null ? 'closed' : JSON.stringify(a)}>`;
  }
}

export class SelectorServer {
  private _sockets: ListeningSocket[] | null;
  private readonly _clients = new Set<Transport>();
  private _waiters: Future<void>[] | null = [];
  private _serving = false;
  private _servingForeverFut: Future<void> | null = null;
  /** Connections Node accepted before startServing() (startServing: false). */
  private _early: NetSocket[] = [];

  /** @internal Made by SelectorEventLoop.createServer() with listening servers. */
  constructor(
    private readonly _loop: SelectorLoopCore,
    servers: NetServer[],
    private readonly _protocolFactory: ProtocolFactory,
    private readonly _extra: (sock: NetSocket) => Record<string, unknown>,
  ) {
    this._sockets = servers.map((s) => new ListeningSocket(s));
    for (const s of servers) s.on('connection', this._onConnection);
    _loop._resourceOpened();
  }

  toString(): string {
    return `<Server sockets=[${this.sockets.map((s) => s.toString()).join(', ')}]>`;
  }

  /** @internal */
  _attach(transport: Transport): void {
    this._clients.add(transport);
  }

  /** @internal */
  _detach(transport: Transport): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._sockets === null) this._wakeup();
  }

  private _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  private readonly _onConnection = (sock: NetSocket): void => {
    if (this._sockets === null || this._loop.isClosed()) {
      sock.destroy();
      return;
    }
    if (!this._serving) {
      this._early.push(sock);
      return;
    }
    this._accept(sock);
  };

  // Port of selector_events.py _accept_connection2.
  private _accept(sock: NetSocket): void {
    let protocol: BaseProtocol;
    try {
      protocol = this._protocolFactory();
    } catch (exc) {
      sock.destroy();
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception: exc });
      return;
    }
    new SelectorStreamTransport(this._loop, sock, protocol, null, this._extra(sock), this);
  }

  /** @internal Port of Server._start_serving. */
  _startServing(): void {
    if (this._serving || this._sockets === null) return;
    this._serving = true;
    for (const sock of this._early.splice(0)) this._accept(sock);
  }

  getLoop(): SelectorLoopCore {
    return this._loop;
  }

  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (empty once closed). */
  get sockets(): readonly ListeningSocket[] {
    return this._sockets === null ? [] : [...this._sockets];
  }

  /** Stops listening (idempotent); accepted connections stay open; a pending serveForever() ends. */
  close(): void {
    const sockets = this._sockets;
    if (sockets === null) return;
    this._sockets = null;
    this._serving = false;
    for (const s of this._early.splice(0)) s.destroy();
    for (const s of sockets) {
      s.server.removeListener('connection', this._onConnection);
      s.server.close();
    }
    this._loop._resourceClosed();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) {
      fut.cancel();
      this._servingForeverFut = null;
    }
    if (this._clients.size === 0) this._wakeup();
  }

  closeClients(): void {
    for (const t of [...this._clients]) t.close();
  }

  abortClients(): void {
    for (const t of [...this._clients]) t.abort();
  }

  async startServing(): Promise<void> {
    this._startServing();
    await sleep(0);
  }

  async serveForever(): Promise<void> {
    if (this._servingForeverFut !== null) {
      throw new RuntimeError(`server ${this.toString()} is already being awaited on serveForever()`);
    }
    if (this._sockets === null) throw new RuntimeError(`server ${this.toString()} is closed`);
    this._startServing();
    const fut = this._loop.createFuture<void>();
    this._servingForeverFut = fut;
    try {
      await fut;
    } catch (exc) {
      if (exc instanceof CancelledError) {
        try {
          this.close();
          await this.waitClosed();
        } finally {
          // eslint-disable-next-line no-unsafe-finally -- CPython re-raises the cancellation here
          throw exc;
        }
      }
      throw exc;
    } finally {
      if (this._servingForeverFut === fut) this._servingForeverFut = null;
    }
  }

  async waitClosed(): Promise<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this._waiters.push(waiter);
    await waiter;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }
}
