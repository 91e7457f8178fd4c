// Port of asyncio/base_events.py Server: the lifecycle every server of a
// loop shares (3.12.1+ wait_closed semantics, 3.13 close_clients /
// abort_clients and the async context manager). A loop's server class adds
// how it listens and accepts (@iocp/proactor's Server on the proactor's
// accept loop, the meta-package's SelectorServer on Node net.Server).
//
// A server owns its listening sockets until close(); the connections it
// accepted attach themselves (_attach when made, _detach once their
// connectionLost ran) so that waitClosed() can wait for them. close()
// stops listening only: connections already accepted stay open, as in
// asyncio (closeClients()/abortClients() end them).
import type { BaseEventLoop } from './base-event-loop';
import { CancelledError, RuntimeError } from './errors';
import type { Future } from './future';
import { sleep } from './sleep';

/** A listening socket of a server: it describes itself (toString). */
export interface ServerSocket {
  toString(): string;
}

/** What a server needs of an accepted connection's transport. */
export interface ServerClient {
  close(): void;
  abort?(): void;
}

/**
 * The lifecycle of a server (asyncio's base_events.Server), for the server
 * classes of event loops: close/waitClosed/serveForever/startServing and the
 * accepted-connection bookkeeping. A subclass says how its listening
 * sockets start accepting (`_startServing`) and stop (`_closeListeners`).
 * @typeParam L - the loop the server belongs to.
 * @typeParam S - a listening socket, as `sockets` lists them.
 */
export abstract class BaseServer<L extends BaseEventLoop = BaseEventLoop, S extends ServerSocket = ServerSocket> {
  /** @hidden For the other packages of this project: the listening sockets; null once closed. */
  protected _sockets: S[] | null;
  /** @hidden The accepted transports still open (CPython: a WeakSet; here each detaches itself). */
  protected readonly _clients = new Set<ServerClient>();
  /** waitClosed() waiters; null once the server is closed and every client detached. */
  private _waiters: Future<void>[] | null = [];
  /** @hidden */
  protected _serving = false;
  private _servingForeverFut: Future<void> | null = null;

  protected constructor(
    /** @hidden */ protected readonly _loop: L,
    sockets: S[],
  ) {
    this._sockets = sockets;
  }

  /**
   * @hidden For the other packages of this project. Port of Server._start_serving: starts accepting on every
   * listening socket (once; a no-op when serving or closed).
   */
  abstract _startServing(): void;

  /**
   * @hidden Stops accepting on the listening sockets of a server being
   * closed and closes them; `wasServing` tells whether _startServing ran.
   */
  protected abstract _closeListeners(sockets: S[], wasServing: boolean): void;

  toString(): string {
    return `<Server sockets=[${this.sockets.map((s) => s.toString()).join(', ')}]>`;
  }

  /** @hidden For the other packages of this project: a transport of an accepted connection is made. */
  _attach(transport: ServerClient): void {
    if (this._sockets === null) throw new RuntimeError('_attach() on a closed server');
    this._clients.add(transport);
  }

  /** @hidden For the other packages of this project: that transport's connectionLost ran. */
  _detach(transport: ServerClient): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._sockets === null) this._wakeup();
  }

  private _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  getLoop(): L {
    return this._loop;
  }

  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (empty once closed). */
  get sockets(): readonly S[] {
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
    this._closeListeners(sockets, wasServing);
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
    for (const transport of [...this._clients]) {
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
