// Port of asyncio/proactor_events.py _ProactorBasePipeTransport: what every
// proactor transport shares (closing, fatal errors, connectionLost exactly
// once, the write-buffer size), and the lifetime count the shared on-demand
// loop relies on (_resourceOpened once at construction, _resourceClosed
// once right after the protocol's connectionLost ran).
import { CancelledError, OSError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import type { BaseProactorEventLoop, TransportServer } from '../base-proactor-event-loop';
import type { Connection } from '../iocp-proactor';
import type { TrackedOp } from '../overlapped-future';
import type { TransportRead } from '../transport-read';
import { isBufferedProtocol } from '../protocols';
import type { BaseProtocol } from '../protocols';
import type { BaseTransport } from './types';
import { FlowControlTransport } from './flow-control';

/** asyncio's constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES. */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** A connection a transport can shut down (a Socket; a PipeHandle cannot). */
interface Shutdownable {
  shutdown(how: 'read' | 'write' | 'both'): void;
}

function canShutdown(conn: Connection | null): conn is Connection & Shutdownable {
  return conn !== null && typeof (conn as Partial<Shutdownable>).shutdown === 'function';
}

/** Calls the protocol's connectionMade (a module function: no closure per transport). */
function connectionMade(protocol: BaseProtocol, transport: BaseTransport): void {
  protocol.connectionMade?.(transport);
}

// Port of futures._set_result_unless_cancelled.
function setResultUnlessCancelled(waiter: Future<void>): void {
  if (!waiter.cancelled()) waiter.setResult(undefined);
}

/** shutdown(SHUT_RDWR); an OSError (the peer reset the connection) is ignored. */
function shutdownQuietly(sock: Shutdownable): void {
  try {
    sock.shutdown('both');
  } catch (err) {
    if (!(err instanceof OSError)) throw err;
  }
}

/** The handle, or -1 (a PipeHandle's fileno() throws once it is closed). */
function filenoOf(conn: Connection): number {
  try {
    return conn.fileno();
  } catch {
    return -1;
  }
}

function describeError(exc: unknown): string {
  return exc instanceof Error && exc.stack ? exc.stack : String(exc);
}

export abstract class ProactorBasePipeTransport extends FlowControlTransport implements BaseTransport {
  /** @internal The socket or pipe; null once connectionLost ran. */
  _sock: Connection | null;
  /** @internal */ _server: TransportServer | null;
  /** @internal True when the protocol is a BufferedProtocol (set by setProtocol). */
  _buffered = false;
  /** @internal Data written while a send was pending, not sent yet (copies). */
  _buffer: Uint8Array[] | null = null;
  /** @internal The bytes in _buffer. */
  _bufferSize = 0;
  /** @internal The read in flight: a TransportRead, or a future (the watch of a write pipe). */
  _readFut: TransportRead | Future<any> | null = null;
  /** @internal */ _writeFut: Future<number> | null = null;
  /** @internal The bytes of the send in flight. */
  _pendingWrite = 0;
  /** @internal Counts close/abort/fatal errors, then writes made after them. */
  _connLost = 0;
  /** @internal Set when close() or abort() was called. */
  _closing = false;
  /** @internal */ _calledConnectionLost = false;
  /** @internal */ _eofWritten = false;
  /** @internal A future sendfile waits on until the write buffer is empty. */
  _emptyWaiter: Future<void> | null = null;
  /**
   * @internal A cancelled read that the OS does straight into the
   * protocol's buffer (a receive buffer): connectionLost waits until the
   * OS let go of it (see _callConnectionLost).
   */
  _lentRead: TrackedOp | null = null;

  constructor(
    loop: BaseProactorEventLoop,
    sock: Connection,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown> | null,
    server?: TransportServer | null,
  ) {
    super(extra, loop);
    this._setExtra(sock);
    this._sock = sock;
    this.setProtocol(protocol);
    this._server = server ?? null;
    if (this._server !== null) this._server._attach(this);
    loop._resourceOpened();
    loop.callSoon(connectionMade, protocol, this);
    // Only wake up the waiter when connectionMade() has been called.
    if (waiter) loop.callSoon(setResultUnlessCancelled, waiter);
  }

  /** @internal Port of _set_extra: a pipe transport shows its pipe. */
  _setExtra(sock: Connection): void {
    this._extra.pipe = sock;
  }

  override toString(): string {
    const info = [this.constructor.name];
    if (this._sock === null) info.push('closed');
    else if (this._closing) info.push('closing');
    if (this._sock !== null) info.push(`fd=${filenoOf(this._sock)}`);
    if (this._readFut !== null) info.push(`read=${this._readFut.toString()}`);
    if (this._writeFut !== null) info.push(`write=${this._writeFut.toString()}`);
    if (this._bufferSize > 0) info.push(`write_bufsize=${this._bufferSize}`);
    if (this._eofWritten) info.push('EOF written');
    return `<${info.join(' ')}>`;
  }

  setProtocol(protocol: BaseProtocol): void {
    if (typeof protocol !== 'object' || protocol === null) throw new TypeError('protocol must be an object');
    this._protocol = protocol;
    this._buffered = isBufferedProtocol(protocol);
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** @internal True while data waits in the write buffer. */
  _hasBufferedData(): boolean {
    return this._buffer !== null;
  }

  /** @internal Cancels the read in flight (close, abort). */
  _cancelRead(): void {
    const fut = this._readFut;
    if (fut === null) return;
    this._readFut = null;
    fut.cancel();
  }

  /** @internal Drops the write buffer (abort, fatal errors). */
  _dropBuffer(): void {
    this._buffer = null;
    this._bufferSize = 0;
  }

  // Port of _ProactorBasePipeTransport.close: connectionLost(null) follows
  // on a later iteration, once the buffered data is sent.
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._connLost += 1;
    if (!this._hasBufferedData() && this._writeFut === null) {
      this._loop.callSoon(this._callConnectionLost, null);
    }
    this._cancelRead();
  }

  // Port of _ProactorBasePipeTransport._fatal_error: an OSError is only
  // logged in debug mode; anything else goes to the exception handler.
  /** @internal */
  _fatalError(exc: unknown, message = 'Fatal error on pipe transport'): void {
    try {
      if (exc instanceof OSError) {
        if (this._loop.getDebug()) logger.debug(`${this.toString()}: ${message}\n${describeError(exc)}`);
      } else {
        this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
      }
    } finally {
      this._forceClose(exc instanceof Error ? exc : new Error(String(exc)));
    }
  }

  // Port of _ProactorBasePipeTransport._force_close (gh-89237: a transport
  // that is closing still gets connectionLost once).
  /** @internal */
  _forceClose(exc: Error | null): void {
    const waiter = this._emptyWaiter;
    if (waiter !== null && !waiter.done()) {
      if (exc === null) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
    if (this._closing && this._calledConnectionLost) return;
    this._closing = true;
    this._connLost += 1;
    if (this._writeFut !== null) {
      this._writeFut.cancel();
      this._writeFut = null;
    }
    this._cancelRead();
    this._pendingWrite = 0;
    this._dropBuffer();
    this._loop.callSoon(this._callConnectionLost, exc);
  }

  // Port of _ProactorBasePipeTransport._call_connection_lost: the protocol
  // hears of it once; then the socket is shut down and closed, the server
  // forgets the transport, and the loop counts one resource fewer.
  // Unlike CPython, a shutdown the OS refuses (the peer reset the
  // connection) does not skip the rest of the cleanup.
  /** @internal */
  readonly _callConnectionLost = (exc: Error | null): void => {
    if (this._calledConnectionLost) return;
    // The protocol may reuse its buffer once connectionLost tells it the
    // transport is done with it; a cancelled read the OS does straight into
    // that buffer may still write it until its completion comes (a cancel
    // that came too late, or the wait for the OS to confirm it), so the
    // call waits for that completion. The first call's error is kept.
    const lent = this._lentRead;
    if (lent !== null) {
      if (lent._id >= 0) {
        lent._onReleased ??= () => this._loop.callSoon(this._callConnectionLost, exc);
        return;
      }
      this._lentRead = null;
    }
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      this._calledConnectionLost = true;
      const sock = this._sock;
      this._sock = null;
      if (sock !== null) {
        if (canShutdown(sock) && sock.fileno() !== -1) shutdownQuietly(sock);
        (sock as Connection & { close(): void }).close();
      }
      const server = this._server;
      this._server = null;
      try {
        server?._detach(this);
      } finally {
        this._loop._resourceClosed();
      }
    }
  };

  // Port of _ProactorBasePipeTransport.get_write_buffer_size.
  getWriteBufferSize(): number {
    return this._pendingWrite + this._bufferSize;
  }

  /** @internal Rethrows what a read loop must not swallow (CancelledError while open). */
  _isQuietCancel(exc: unknown): boolean {
    return exc instanceof CancelledError && this._closing;
  }
}
