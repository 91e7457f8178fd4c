// Port of asyncio/base_events.py Server for the proactor loop: the
// lifecycle (close, waitClosed, serveForever, the accepted connections) is
// @iocp/futures' BaseServer; this class listens on its sockets and runs the
// proactor's accept loop on each (BaseProactorEventLoop._startServing).
import { BaseServer } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

import type { SockAddr } from '../address';
import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { ProtocolFactory } from '../protocols';
import type { Socket } from '../socket';

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

export class Server extends BaseServer<BaseProactorEventLoop, Socket> implements AbstractServer {
  private readonly _protocolFactory: ProtocolFactory;
  private readonly _backlog: number;

  /** @internal Made by loop.createServer(). */
  constructor(loop: BaseProactorEventLoop, sockets: Socket[], protocolFactory: ProtocolFactory, backlog: number) {
    super(loop, sockets);
    this._protocolFactory = protocolFactory;
    this._backlog = backlog;
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

  /** @hidden */
  protected _closeListeners(sockets: Socket[], wasServing: boolean): void {
    for (const sock of sockets) {
      // _stopServing cancels the accept and closes the socket; a socket that
      // never served is just closed (the proactor knows nothing of it).
      if (wasServing) this._loop._stopServing(sock);
      else sock.close();
    }
  }
}
