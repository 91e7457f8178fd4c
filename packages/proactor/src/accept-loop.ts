// Port of asyncio/proactor_events.py BaseProactorEventLoop._start_serving's
// inner loop(): one accept at a time on a listening socket; each accepted
// socket gets a protocol and a socket transport. An OSError closes the
// listener ('Accept failed on a socket' through the exception handler) and
// serving stops; a cancelled accept (stop serving, loop closing) ends it
// quietly.
import { CancelledError, OSError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import type { SockAddr } from './address';
import type { BaseProactorEventLoop, TransportServer } from './base-proactor-event-loop';
import type { ProtocolFactory } from './protocols';
import type { Socket } from './socket';

/** The server argument of _startServing. */
export type ServingServer = (TransportServer & { _stopServing?(sock: Socket): void }) | null;

export class AcceptLoop {
  /** The accept in flight, or null. */
  fut: Future<[Socket, SockAddr]> | null = null;
  /** False once serving ended (its resource count was given back). */
  active = true;

  constructor(
    private readonly loop: BaseProactorEventLoop,
    private readonly protocolFactory: ProtocolFactory,
    readonly sock: Socket,
    private readonly server: ServingServer,
  ) {}

  /** The accept future's done callback (bound once per listening socket). */
  readonly step = (f: Future<[Socket, SockAddr]> | null): void => {
    if (!this.active) {
      // An accept that had completed when end() tried to cancel it (the
      // cancel came too late, so the future took the connection): nobody
      // will serve that connection.
      if (f !== null && !f.cancelled() && f.exception() === null) f.result()[0].close();
      return;
    }
    const { loop, sock } = this;
    let next: Future<[Socket, SockAddr]>;
    try {
      if (f !== null) {
        this.fut = null;
        const [conn, addr] = f.result();
        if (loop.getDebug()) logger.debug(`${sock.toString()} got a new connection from ${JSON.stringify(addr)}: ${conn.toString()}`);
        this.startTransport(conn, addr);
      }
      if (loop.isClosed()) return;
      next = loop._proactor.accept(sock);
    } catch (exc) {
      if (exc instanceof OSError) {
        if (sock.fileno() !== -1) {
          loop.callExceptionHandler({ message: 'Accept failed on a socket', exception: exc, socket: sock });
          this.end();
          this.server?._stopServing?.(sock);
        } else {
          if (loop.getDebug()) logger.debug(`Accept failed on socket ${sock.toString()}: ${String(exc)}`);
          this.end();
        }
      } else if (exc instanceof CancelledError) {
        this.end();
      } else {
        throw exc;
      }
      return;
    }
    this.fut = next;
    next.addDoneCallback(this.step);
  };

  /**
   * A new connection's protocol and transport. Unlike CPython (where a
   * throwing protocol factory ends the accept loop and leaks the socket),
   * the error is reported as selector_events does and serving goes on.
   */
  private startTransport(conn: Socket, addr: SockAddr): void {
    let protocol;
    try {
      protocol = this.protocolFactory();
      this.loop._makeSocketTransport(conn, protocol, null, { peername: addr }, this.server);
    } catch (exc) {
      this.loop.callExceptionHandler({
        message: 'Error on transport creation for incoming connection',
        exception: exc,
        protocol,
      });
      conn.close();
    }
  }

  /**
   * Ends serving once: the listener is closed, the accept in flight is
   * cancelled and the loop counts one resource fewer.
   */
  end(): void {
    if (!this.active) return;
    this.active = false;
    const fut = this.fut;
    this.fut = null;
    fut?.cancel();
    this.sock.close();
    this.loop._acceptLoopEnded(this);
  }
}
