// Port of asyncio/proactor_events.py BaseProactorEventLoop: an event loop
// whose I/O is an IocpProactor. The sock* methods and the transport
// factories are here; the connection and server helpers of base_events.py
// (createConnection, createServer, createDatagramEndpoint, sockSendfile,
// Server) live in ./loop/, one concept a file.
//
// SKELETON (session contract): method names and signatures are fixed;
// bodies marked TODO(transports) or TODO(loop) are being filled in.
import { BaseEventLoop } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import type { SockAddr } from './address';
import { IocpProactor } from './iocp-proactor';
import type { Connection } from './iocp-proactor';
import type { BaseProtocol, ProtocolFactory } from './protocols';
import type { Socket } from './socket';
import type { BaseTransport, DatagramTransport, Transport } from './transports/types';
import type { Server } from './loop/server';
import type {
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  SockSendfileOptions,
} from './loop/options';
import { connectAcceptedSocket as connectAcceptedSocketImpl, createConnection as createConnectionImpl } from './loop/create-connection';
import { createServer as createServerImpl } from './loop/create-server';
import { createDatagramEndpoint as createDatagramEndpointImpl } from './loop/datagram-endpoint';
import { getaddrinfo } from './loop/resolve-address';
import type { AddrInfo, GetaddrinfoOptions } from './loop/resolve-address';
import { sockSendfile as sockSendfileImpl } from './loop/sock-sendfile';

/** What a server offers the transports it accepted (asyncio's Server._attach/_detach). */
export interface TransportServer {
  _attach(transport: BaseTransport): void;
  _detach(transport: BaseTransport): void;
}

/** Skeleton placeholder: throws until the part is filled in. */
function todo(part: string, ...args: unknown[]): never {
  throw new Error(`TODO(${part}): not implemented (${args.length} arguments)`);
}

export class BaseProactorEventLoop extends BaseEventLoop {
  /** @internal The proactor all I/O of this loop goes through. */
  readonly _proactor: IocpProactor;

  // Port of BaseProactorEventLoop.__init__.
  constructor(proactor?: IocpProactor) {
    super();
    this._proactor = proactor ?? new IocpProactor();
    this._proactor.setLoop(this);
  }

  // ---- lifetime hooks (the shared on-demand loop counts open resources) ----
  /**
   * @internal A transport or a serving socket of this loop opened. Transports
   * call it once when constructed; _startServing once per listening socket.
   * The default does nothing; the shared loop (./loop/shared-loop.ts) keeps
   * running while the count is above zero.
   */
  _resourceOpened(): void {}

  /**
   * @internal The matching close: a transport calls it once, right after its
   * protocol's connectionLost() ran; _stopServing once per listening socket.
   */
  _resourceClosed(): void {}

  // ---- transport factories (TODO(transports)) ----
  /** @internal Port of _make_socket_transport. */
  _makeSocketTransport(
    sock: Socket,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
    server?: TransportServer | null,
  ): Transport {
    return todo('transports', sock, protocol, waiter, extra, server);
  }

  /** @internal Port of _make_duplex_pipe_transport (a PipeHandle or a stream Socket). */
  _makeDuplexPipeTransport(
    pipe: Connection,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
  ): Transport {
    return todo('transports', pipe, protocol, waiter, extra);
  }

  /** @internal Port of _make_read_pipe_transport. */
  _makeReadPipeTransport(pipe: Connection, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: Record<string, unknown>): Transport {
    return todo('transports', pipe, protocol, waiter, extra);
  }

  /** @internal Port of _make_write_pipe_transport. */
  _makeWritePipeTransport(pipe: Connection, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: Record<string, unknown>): Transport {
    return todo('transports', pipe, protocol, waiter, extra);
  }

  /** @internal Port of _make_datagram_transport. */
  _makeDatagramTransport(
    sock: Socket,
    protocol: BaseProtocol,
    address?: SockAddr | null,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
  ): DatagramTransport {
    return todo('transports', sock, protocol, address, waiter, extra);
  }

  // ---- sock* methods (TODO(transports)) ----
  sockRecv(sock: Socket, n: number): Future<Buffer> {
    return todo('transports', sock, n);
  }
  sockRecvInto(sock: Socket, buf: Uint8Array): Future<number> {
    return todo('transports', sock, buf);
  }
  sockRecvfrom(sock: Socket, n: number): Future<[Buffer, SockAddr | null]> {
    return todo('transports', sock, n);
  }
  sockRecvfromInto(sock: Socket, buf: Uint8Array, nbytes?: number): Future<[number, SockAddr | null]> {
    return todo('transports', sock, buf, nbytes);
  }
  sockSendall(sock: Socket, data: Uint8Array): Future<void> {
    return todo('transports', sock, data);
  }
  sockSendto(sock: Socket, data: Uint8Array, addr: SockAddr): Future<number> {
    return todo('transports', sock, data, addr);
  }
  sockConnect(sock: Socket, addr: SockAddr): Future<void> {
    return todo('transports', sock, addr);
  }
  sockAccept(sock: Socket): Future<[Socket, SockAddr]> {
    return todo('transports', sock);
  }

  /**
   * @internal Port of BaseProactorEventLoop._start_serving: the accept loop
   * of one listening socket (TODO(transports)).
   */
  _startServing(
    protocolFactory: ProtocolFactory,
    sock: Socket,
    server: (TransportServer & { _stopServing?(sock: Socket): void }) | null,
    backlog: number,
  ): void {
    return todo('transports', protocolFactory, sock, server, backlog);
  }

  /** @internal Port of _stop_serving: cancels the accept of a listening socket and closes it. */
  _stopServing(sock: Socket): void {
    return todo('transports', sock);
  }

  // ---- base_events.py helpers (./loop/) ----
  /**
   * Port of base_events.py BaseEventLoop.getaddrinfo, through Node's
   * dns.lookup: the addresses createConnection, createServer and
   * createDatagramEndpoint try, in order. A subclass may resolve otherwise.
   */
  getaddrinfo(host: string | null, port: number, opts?: GetaddrinfoOptions): Promise<AddrInfo[]> {
    return getaddrinfo(host, port, opts);
  }
  sockSendfile(sock: Socket, fd: number, offset?: number, count?: number | null, opts?: SockSendfileOptions): Promise<number> {
    return sockSendfileImpl(this, sock, fd, offset, count, opts);
  }
  createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    opts?: CreateConnectionOptions,
  ): Promise<[Transport, P]> {
    return createConnectionImpl(this, protocolFactory, host, port, opts);
  }
  createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    opts?: CreateServerOptions,
  ): Promise<Server> {
    return createServerImpl(this, protocolFactory, host, port, opts);
  }
  createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    opts?: CreateDatagramEndpointOptions,
  ): Promise<[DatagramTransport, P]> {
    return createDatagramEndpointImpl(this, protocolFactory, opts);
  }
  connectAcceptedSocket<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, sock: Socket): Promise<[Transport, P]> {
    return connectAcceptedSocketImpl(this, protocolFactory, sock);
  }

  // Port of BaseProactorEventLoop.close: the proactor is closed with the
  // loop (TODO(transports): stop serving every listening socket first).
  override async close(): Promise<void> {
    if (this.isClosed()) return;
    await super.close();
    await this._proactor.close();
  }
}
