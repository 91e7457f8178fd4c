// Port of asyncio/base_events.py Server (3.12.1+ wait_closed semantics,
// 3.13 close_clients/abort_clients and the async context manager).
//
// A Server owns its listening sockets until close(); the connections it
// accepted attach themselves (_attach when made, _detach once their
// connectionLost ran) so that waitClosed() can wait for them. close()
// stops listening only: connections already accepted stay open, as in
// asyncio (closeClients()/abortClients() end them).
import { CancelledError, RuntimeError, sleep } from '@iocp/futures';
import type { BaseEventLoop, Future } from '@iocp/futures';

import type { SockAddr } from '../address';
import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { ProtocolFactory } from '../protocols';
import type { Socket } from '../socket';
import type { BaseTransport } from '../transports/types';

/**
 * asyncio.AbstractServer (events.py): what a server made by createServer()
 * offers, on any loop (Server here; the meta-package's SelectorServer).
 */
export interface AbstractServer {
  /** The listening sockets (empty once closed). */
  readonly sockets: readonly { getsockname(): SockAddr }[];
  close(): void;
  closeClients(): void;
  abortClients(): void;
  getLoop(): BaseEventLoop;
  isServing(): boolean;
  startServing(): Promise<void>;
  serveForever(): Promise<void>;
  waitClosed(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface ClosableTransport extends BaseTransport {
  abort?(): void;
}

export class Server implements AbstractServer {
  private readonly _loop: BaseProactorEventLoop;
  private _sockets: Socket[] | null;
  /** The accepted transports still open (CPython: a WeakSet; here each detaches itself). */
  private readonly _clients = new Set<BaseTransport>();
  /** waitClosed() waiters; null once the server is closed and every client detached. */
  private _waiters: Future<void>[] | null = [];
  private readonly _protocolFactory: ProtocolFactory;
  private readonly _backlog: number;
  private _serving = false;
  private _servingForeverFut: Future<void> | null = null;

  /** @internal Made by loop.createServer(). */
  constructor(loop: BaseProactorEventLoop, sockets: Socket[], protocolFactory: ProtocolFactory, backlog: number) {
    this._loop = loop;
    this._sockets = sockets;
    this._protocolFactory = protocolFactory;
    this._backlog = backlog;
  }

  toString(): string {
    return `<Server sockets=[${this.sockets.map((s) => s.toString()).join(', ')}]>`;
  }

  /** @internal A transport of an accepted connection is made. */
  _attach(transport: BaseTransport): void {
    if (this._sockets === null) throw new RuntimeError('_attach() on a closed server');
    this._clients.add(transport);
  }

  /** @internal That transport's connectionLost ran. */
  _detach(transport: BaseTransport): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._sockets === null) this._wakeup();
  }

  private _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  /**
   * @internal The accept loop of `sock` failed and closed it ('Accept failed
   * on a socket'): the socket leaves the server, and a server left with no
   * listening socket is closed (a pending serveForever() ends).
   */
  _stopServing(sock: Socket): void {
    if (this._sockets === null) return;
    this._sockets = this._sockets.filter((s) => s !== sock);
    if (this._sockets.length === 0) this.close();
  }

  /** @internal Port of Server._start_serving: listen and accept on every socket. */
  _startServing(): void {
    if (this._serving || this._sockets === null) return;
    this._serving = true;
    for (const sock of this._sockets) {
      sock.listen(this._backlog);
      this._loop._startServing(this._protocolFactory, sock, this, this._backlog);
    }
  }

  getLoop(): BaseProactorEventLoop {
    return this._loop;
  }

  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (empty once closed). */
  get sockets(): readonly Socket[] {
    return this._sockets === null ? [] : [...this._sockets];
  }

  /**
   * Stops listening and closes the listening sockets (idempotent). Accepted
   * connections stay open; a pending serveForever() ends with CancelledError.
   */
  close(): void {
    const sockets = this._sockets;
    if (sockets === null) return;
    this._sockets = null;
    const wasServing = this._serving;
    this._serving = false;
    for (const sock of sockets) {
      // _stopServing cancels the accept and closes the socket; a socket that
      // never served is just closed (the proactor knows nothing of it).
      if (wasServing) this._loop._stopServing(sock);
      else sock.close();
    }
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) {
      fut.cancel();
      this._servingForeverFut = null;
    }
    if (this._clients.size === 0) this._wakeup();
  }

  /** 3.13: close() every accepted connection (buffered data is sent first). */
  closeClients(): void {
    for (const transport of [...this._clients]) transport.close();
  }

  /** 3.13: abort() every accepted connection (buffered data is dropped). */
  abortClients(): void {
    for (const transport of [...this._clients] as ClosableTransport[]) {
      if (typeof transport.abort === 'function') transport.abort();
      else transport.close();
    }
  }

  /** Starts accepting (if not yet), then lets one loop iteration pass. */
  async startServing(): Promise<void> {
    this._startServing();
    await sleep(0);
  }

  /**
   * Accepts until cancelled: cancelling the task that awaits it (or close())
   * closes the server, waits for waitClosed() and ends with CancelledError.
   * Throws RuntimeError if already awaited or closed.
   */
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

  /**
   * Resolves once the server is closed and every accepted connection is
   * gone, in either order (3.12.1 semantics: not before close()).
   */
  async waitClosed(): Promise<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this._waiters.push(waiter);
    await waiter;
  }

  /** `await using server = ...`: close() and waitClosed() (3.13 __aexit__). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }
}
