// Port of asyncio/base_events.py Server for the selector loop, on Node
// net.Server listeners: the lifecycle (close, waitClosed, serveForever,
// startServing, closeClients, abortClients, asyncDispose) is @iocp/futures'
// BaseServer, as for @iocp/proactor's Server; this class accepts what
// Node's 'connection' events bring.
import type { Server as NetServer, Socket as NetSocket } from 'node:net';

import { BaseServer, RuntimeError } from '@iocp/futures';
import type { BaseProtocol, ProtocolFactory, SockAddr } from '@iocp/proactor';

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

export class SelectorServer extends BaseServer<SelectorLoopCore, ListeningSocket> {
  /** Connections Node accepted before startServing() (startServing: false). */
  private _early: NetSocket[] = [];

  /** @internal Made by SelectorEventLoop.createServer() with listening servers. */
  constructor(
    loop: SelectorLoopCore,
    servers: NetServer[],
    private readonly _protocolFactory: ProtocolFactory,
    private readonly _extra: (sock: NetSocket) => Record<string, unknown>,
  ) {
    super(
      loop,
      servers.map((s) => new ListeningSocket(s)),
    );
    for (const s of servers) s.on('connection', this._onConnection);
    loop._resourceOpened();
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

  /** @hidden */
  protected _closeListeners(sockets: ListeningSocket[]): void {
    for (const s of this._early.splice(0)) s.destroy();
    for (const s of sockets) {
      s.server.removeListener('connection', this._onConnection);
      s.server.close();
    }
    this._loop._resourceClosed();
  }
}
