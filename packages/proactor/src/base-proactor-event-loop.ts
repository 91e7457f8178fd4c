// Port of asyncio/proactor_events.py BaseProactorEventLoop: an event loop
// whose I/O is an IocpProactor. The sock* methods and the transport
// factories are here; the connection and server helpers of base_events.py
// (createConnection, createServer, createDatagramEndpoint, sockSendfile,
// Server) live in ./loop/, one concept a file.
import { BaseEventLoop, RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import { AcceptLoop } from './accept-loop';
import { SendAll } from './sock-sendall';
import { ProactorDatagramTransport } from './transports/datagram-transport';
import { ProactorDuplexPipeTransport } from './transports/duplex-pipe-transport';
import { ProactorReadPipeTransport } from './transports/read-write-transport';
import { ProactorSocketTransport } from './transports/socket-transport';
import { ProactorWritePipeTransport } from './transports/write-pipe-transport';

import type { SockAddr } from './address';
import { IocpProactor } from './iocp-proactor';
import type { Connection } from './iocp-proactor';
import type { BaseProtocol, ProtocolFactory } from './protocols';
import type { Socket } from './socket';
import type { BaseTransport, DatagramTransport, ReadTransport, Transport, WriteTransport } from './transports/types';
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
import { sharedLoopRefusal } from './loop/shared-loop-refusal';

/** What a server offers the transports it accepted (asyncio's Server._attach/_detach). */
export interface TransportServer {
  _attach(transport: BaseTransport): void;
  _detach(transport: BaseTransport): void;
}

/**
 * asyncio's proactor event loop (proactor_events.py BaseProactorEventLoop
 * with the connection helpers of base_events.py): BaseEventLoop's callbacks,
 * timers and tasks, plus sockets, transports and servers whose I/O goes
 * through an IocpProactor (IOCP, io_uring or epoll). `iocp`'s
 * ProactorEventLoop adds the pipe and subprocess methods. Times are in
 * milliseconds.
 */
export class BaseProactorEventLoop extends BaseEventLoop {
  /** @hidden For subclasses and the other packages of this project. The proactor all I/O of this loop goes through. */
  readonly _proactor: IocpProactor;
  /** @hidden For subclasses and the other packages of this project. The accept loop of each listening socket being served (CPython's _accept_futures). */
  private readonly _acceptLoops = new Map<Socket, AcceptLoop>();
  private _closingPromise: Promise<void> | null = null;

  // Port of BaseProactorEventLoop.__init__.
  /** A loop on `proactor` (default: a new IocpProactor, closed with the loop). */
  constructor(proactor?: IocpProactor) {
    super();
    this._proactor = proactor ?? new IocpProactor();
    this._proactor.setLoop(this);
  }

  // ---- lifetime hooks (the shared on-demand loop counts open resources) ----
  /**
   * @hidden For subclasses and the other packages of this project. A transport or a serving socket of this loop opened. Transports
   * call it once when constructed; _startServing once per listening socket.
   * The default does nothing; the shared loop (./loop/shared-loop.ts) keeps
   * running while the count is above zero.
   */
  _resourceOpened(): void {}

  /**
   * @hidden For subclasses and the other packages of this project. The matching close: a transport calls it once, right after its
   * protocol's connectionLost() ran; _stopServing once per listening socket.
   */
  _resourceClosed(): void {}

  // ---- transport factories ----
  /** @hidden For subclasses and the other packages of this project. Port of _make_socket_transport. */
  _makeSocketTransport(
    sock: Socket,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
    server?: TransportServer | null,
  ): Transport {
    return new ProactorSocketTransport(this, sock, protocol, waiter, extra, server);
  }

  /** @hidden For subclasses and the other packages of this project. Port of _make_duplex_pipe_transport (a PipeHandle or a stream Socket). */
  _makeDuplexPipeTransport(
    pipe: Connection,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
  ): Transport {
    return new ProactorDuplexPipeTransport(this, pipe, protocol, waiter, extra);
  }

  /** @hidden For subclasses and the other packages of this project. Port of _make_read_pipe_transport. */
  _makeReadPipeTransport(pipe: Connection, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: Record<string, unknown>): ReadTransport {
    return new ProactorReadPipeTransport(this, pipe, protocol, waiter, extra);
  }

  /** @hidden For subclasses and the other packages of this project. Port of _make_write_pipe_transport. */
  _makeWritePipeTransport(pipe: Connection, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: Record<string, unknown>): WriteTransport {
    // connectionLost follows when the other end closes.
    return new ProactorWritePipeTransport(this, pipe, protocol, waiter, extra);
  }

  /** @hidden For subclasses and the other packages of this project. Port of _make_datagram_transport. */
  _makeDatagramTransport(
    sock: Socket,
    protocol: BaseProtocol,
    address?: SockAddr | null,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown>,
  ): DatagramTransport {
    return new ProactorDatagramTransport(this, sock, protocol, address, waiter, extra);
  }

  // ---- sock* methods (ports of BaseProactorEventLoop.sock_*) ----
  // Bad arguments throw at once (the proactor's checks), as API.md asks.
  /**
   * Receives up to `n` bytes (IocpProactor.recv).
   * @returns a future of the bytes; an empty Buffer once the peer closed.
   * @throws TypeError or RangeError at once for a bad argument.
   */
  sockRecv(sock: Socket, n: number): Future<Buffer> {
    return this._proactor.recv(sock, n);
  }
  /**
   * Receives into `buf` (IocpProactor.recvInto).
   * @returns a future of the number of bytes written (0 once the peer closed).
   * @throws TypeError at once for a bad argument.
   */
  sockRecvInto(sock: Socket, buf: Uint8Array): Future<number> {
    return this._proactor.recvInto(sock, buf);
  }
  /**
   * Receives one datagram of up to `n` bytes (IocpProactor.recvfrom).
   * @returns a future of `[data, sender address]`.
   * @throws TypeError or RangeError at once for a bad argument.
   */
  sockRecvfrom(sock: Socket, n: number): Future<[Buffer, SockAddr | null]> {
    return this._proactor.recvfrom(sock, n);
  }
  /**
   * Receives one datagram into `buf`, at most `nbytes` (0 or absent: the
   * whole buffer) (IocpProactor.recvfromInto).
   * @returns a future of `[bytes written, sender address]`.
   * @throws TypeError or RangeError at once for a bad argument.
   */
  sockRecvfromInto(sock: Socket, buf: Uint8Array, nbytes?: number): Future<[number, SockAddr | null]> {
    return this._proactor.recvfromInto(sock, buf, nbytes || undefined);
  }
  /**
   * Sends every byte of `data` (a send of the rest follows a short one).
   * @returns a future that resolves once all is sent; rejects with an
   *   OSError subclass (BrokenPipeError, ConnectionResetError, ...).
   * @throws TypeError at once when `data` is not a Uint8Array.
   */
  sockSendall(sock: Socket, data: Uint8Array): Future<void> {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    return new SendAll(this, sock, data).result;
  }
  /**
   * Sends one datagram to `addr` (IocpProactor.sendto).
   * @returns a future of the number of bytes sent.
   * @throws TypeError or RangeError at once for a bad argument.
   */
  sockSendto(sock: Socket, data: Uint8Array, addr: SockAddr): Future<number> {
    return this._proactor.sendto(sock, data, 0, addr);
  }
  /**
   * Connects `sock` to `addr` (IocpProactor.connect); cancelling the future
   * cancels the connect.
   * @returns a future that resolves once connected; rejects with
   *   ConnectionRefusedError or another OSError subclass.
   * @throws TypeError or RangeError at once for a bad address.
   */
  sockConnect(sock: Socket, addr: SockAddr): Future<void> {
    const connecting = this._proactor.connect(sock, addr);
    const fut = this.createFuture<void>();
    connecting.addDoneCallback(copyConnectOutcome.bind(null, fut));
    fut.addDoneCallback((f) => {
      if (f.cancelled()) connecting.cancel();
    });
    return fut;
  }
  /**
   * Accepts one connection on the listening `sock` (IocpProactor.accept).
   * @returns a future of `[new socket, peer address]`.
   * @throws TypeError at once for a bad argument.
   */
  sockAccept(sock: Socket): Future<[Socket, SockAddr]> {
    return this._proactor.accept(sock);
  }

  /**
   * @hidden For subclasses and the other packages of this project. Port of BaseProactorEventLoop._start_serving: the accept loop
   * of one listening socket (accept-loop.ts).
   */
  _startServing(
    protocolFactory: ProtocolFactory,
    sock: Socket,
    server: (TransportServer & { _stopServing?(sock: Socket): void }) | null,
    backlog: number,
  ): void {
    void backlog; // The listener is already listening (CPython takes it too, unused here).
    if (this._acceptLoops.has(sock)) throw new RuntimeError(`${sock.toString()} is already being served`);
    const accept = new AcceptLoop(this, protocolFactory, sock, server);
    this._acceptLoops.set(sock, accept);
    this._resourceOpened();
    this.callSoon(accept.step, null);
  }

  /** @hidden For subclasses and the other packages of this project. Port of _stop_serving: cancels the accept of a listening socket and closes it. */
  _stopServing(sock: Socket): void {
    const accept = this._acceptLoops.get(sock);
    if (accept !== undefined) accept.end();
    else sock.close();
  }

  /** @hidden For subclasses and the other packages of this project. An accept loop ended (stopped, failed or cancelled): counted once. */
  _acceptLoopEnded(accept: AcceptLoop): void {
    if (this._acceptLoops.get(accept.sock) !== accept) return;
    this._acceptLoops.delete(accept.sock);
    this._resourceClosed();
  }

  /**
   * @hidden For subclasses and the other packages of this project. The base refusal, with a clearer message when the shared
   * on-demand loop is what runs (./loop/shared-loop-refusal.ts).
   */
  override _refuseToRun(): RuntimeError | null {
    return super._refuseToRun() === null ? null : (sharedLoopRefusal(this) ?? super._refuseToRun());
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
  /**
   * Sends `count` bytes (default: to the end) of the file `fd` from `offset`
   * (default 0) over the connected stream `sock`: the native sendfile
   * (IocpProactor.sendfile), else, with `opts.fallback` (default true), reads
   * and sends.
   * @returns a promise of the number of bytes sent; rejects with
   *   SendfileNotAvailableError when sendfile cannot be used and the
   *   fallback is off, or an OSError subclass.
   * @throws TypeError or RangeError at once for a bad argument.
   */
  sockSendfile(sock: Socket, fd: number, offset?: number, count?: number | null, opts?: SockSendfileOptions): Promise<number> {
    return sockSendfileImpl(this, sock, fd, offset, count, opts);
  }
  /**
   * Opens a stream connection to `host`:`port` (or over `opts.sock`) and
   * connects a protocol from `protocolFactory` to its transport. Every
   * resolved address is tried in order, with happy eyeballs when
   * `opts.happyEyeballsDelay` is given.
   * @returns a promise of `[transport, protocol]`; rejects with the
   *   connect error (ConnectionRefusedError, ...): when several addresses
   *   failed differently, an OSError naming them all (with `opts.allErrors`,
   *   an AggregateError of every attempt's error).
   * @throws TypeError or RangeError at once for bad arguments.
   */
  createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    opts?: CreateConnectionOptions,
  ): Promise<[Transport, P]> {
    return createConnectionImpl(this, protocolFactory, host, port, opts);
  }
  /**
   * Listens on `host`:`port` (every address `host` resolves to, or all
   * interfaces for null; port 0 picks one) or on `opts.sock`, and starts
   * serving: each connection gets a protocol from `protocolFactory`.
   * @returns a promise of the Server (`server.sockets[0].getsockname()`
   *   gives the port); rejects with an OSError subclass (e.g. 'EADDRINUSE').
   * @throws TypeError or RangeError at once for bad arguments.
   */
  createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    opts?: CreateServerOptions,
  ): Promise<Server> {
    return createServerImpl(this, protocolFactory, host, port, opts);
  }
  /**
   * A UDP (or Unix datagram) endpoint bound to `opts.localAddr` and/or
   * connected to `opts.remoteAddr`, with a protocol from `protocolFactory`.
   * @returns a promise of `[DatagramTransport, protocol]`; rejects with an
   *   OSError subclass.
   * @throws TypeError or RangeError at once for bad arguments.
   */
  createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    opts?: CreateDatagramEndpointOptions,
  ): Promise<[DatagramTransport, P]> {
    return createDatagramEndpointImpl(this, protocolFactory, opts);
  }
  /**
   * Wraps an already connected stream socket (accepted elsewhere) in a
   * transport with a protocol from `protocolFactory`.
   * @returns a promise of `[transport, protocol]`.
   * @throws TypeError at once for bad arguments.
   */
  connectAcceptedSocket<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, sock: Socket): Promise<[Transport, P]> {
    return connectAcceptedSocketImpl(this, protocolFactory, sock);
  }

  // Port of BaseProactorEventLoop.close: serving stops on every listening
  // socket, then the proactor closes (its pending operations cancelled and
  // drained), then the loop itself. As in CPython, the first two come
  // before BaseEventLoop.close, since they may schedule callbacks.
  override close(): Promise<void> {
    if (this.isRunning()) throw new RuntimeError('Cannot close a running event loop');
    if (this._closingPromise !== null) return this._closingPromise;
    if (this.isClosed()) return Promise.resolve();
    for (const accept of [...this._acceptLoops.values()]) accept.end();
    this._closingPromise = this._proactor.close().then(() => super.close());
    return this._closingPromise;
  }
}

/** sockConnect's outcome: the connect's, with no value. */
function copyConnectOutcome(fut: Future<void>, connecting: Future<Socket>): void {
  if (fut.done()) return;
  if (connecting.cancelled()) fut.cancel();
  else if (connecting.exception() !== null) fut.setException(connecting.exception() as Error);
  else fut.setResult(undefined);
}
