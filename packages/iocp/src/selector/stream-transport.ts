// Port of asyncio/selector_events.py _SelectorSocketTransport on a Node
// net.Socket (libuv does the selecting). The protocol sees what it sees on
// the proactor loop: connectionMade on the next iteration, dataReceived
// (or BufferedProtocol getBuffer/bufferUpdated) in order, eofReceived,
// connectionLost once; pauseWriting/resumeWriting around the high and low
// water marks of the write buffer (Node's writableLength).
//
// Node delivers its socket events whenever its loop polls; asyncio calls
// protocols only while the loop runs, so every event is queued here and
// handed over through loop.callSoon, and paused reading holds the queue
// back (data Node read before pause() is kept, not lost).
import type { Socket as NetSocket } from 'node:net';

import { RuntimeError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import type { BaseProtocol, BufferedProtocol, Protocol, Transport, WriteBufferLimits } from '@iocp/proactor';

import { fromNodeError } from './node-error';
import type { SelectorLoopCore } from './loop-core';

const DEFAULT_HIGH = 64 * 1024;

/** Port of transports.py _FlowControlMixin._set_write_buffer_limits. */
export function checkLimits(limits: WriteBufferLimits = {}): [number, number] {
  if (typeof limits !== 'object' || limits === null) throw new TypeError('limits must be an object');
  let { high, low } = limits;
  if (high === undefined) high = low === undefined ? DEFAULT_HIGH : 4 * low;
  if (low === undefined) low = Math.floor(high / 4);
  if (typeof high !== 'number' || typeof low !== 'number') throw new TypeError('high and low must be numbers');
  if (!(high >= low && low >= 0)) throw new RangeError(`high (${high}) must be >= low (${low}) must be >= 0`);
  return [low, high];
}

function isBuffered(p: BaseProtocol): p is BufferedProtocol {
  return typeof (p as Partial<BufferedProtocol>).getBuffer === 'function';
}

export class SelectorStreamTransport implements Transport {
  private _protocol: BaseProtocol;
  private _closing = false;
  /** close() or abort() was called: nothing more is delivered (asyncio removes the reader). */
  private _userClosed = false;
  private _lost = false;
  private _paused = false;
  private _writeEofCalled = false;
  private _protocolPaused = false;
  private _low: number;
  private _high: number;
  /** Data (Buffer) and end of file (null) read by Node, not yet delivered. */
  private readonly _incoming: Array<Buffer | null> = [];
  private _deliverQueued = false;
  private _exc: Error | null = null;
  private _connLostQueued = false;

  constructor(
    private readonly _loop: SelectorLoopCore,
    readonly _sock: NetSocket,
    protocol: BaseProtocol,
    waiter: Future<void> | null,
    private readonly _extra: Record<string, unknown>,
    private readonly _server: { _attach(t: Transport): void; _detach(t: Transport): void } | null = null,
    /** A child's stdin: Node's 'end' on it means nothing to read, not an EOF to deliver. */
    private readonly _writeOnly = false,
  ) {
    this._protocol = protocol;
    [this._low, this._high] = checkLimits();
    _loop._resourceOpened();
    _server?._attach(this);
    _sock.on('data', this._onData);
    _sock.on('end', this._onEnd);
    _sock.on('error', this._onError);
    _sock.on('close', this._onClose);
    // Port of _SelectorSocketTransport.__init__: connection_made, then the waiter.
    _loop.callSoon(() => {
      if (this._lost) return;
      (this._protocol as Protocol).connectionMade?.(this);
    });
    if (waiter !== null) _loop.callSoon(() => { if (!waiter.done()) waiter.setResult(undefined); });
  }

  toString(): string {
    return `<SelectorStreamTransport ${this._closing ? 'closing' : 'open'}>`;
  }

  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    if (name === 'socket') return this._sock as unknown as T;
    if (name in this._extra) return this._extra[name] as T;
    return defaultValue;
  }
  isClosing(): boolean {
    return this._closing;
  }
  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }
  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  // ---- reading ----
  isReading(): boolean {
    return !this._paused && !this._closing;
  }
  pauseReading(): void {
    if (this._closing || this._paused) return;
    this._paused = true;
    this._sock.pause();
  }
  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._sock.resume();
    this._queueDelivery();
  }

  private readonly _onData = (data: Buffer): void => {
    this._incoming.push(data);
    this._queueDelivery();
  };
  private readonly _onEnd = (): void => {
    if (this._writeOnly) return;
    this._incoming.push(null);
    this._queueDelivery();
  };

  private _queueDelivery(): void {
    if (this._deliverQueued || this._loop.isClosed()) return;
    this._deliverQueued = true;
    this._loop.callSoon(this._deliver);
  }

  // Port of _SelectorSocketTransport._read_ready (data, buffered data, EOF).
  private readonly _deliver = (): void => {
    this._deliverQueued = false;
    while (this._incoming.length > 0 && !this._paused && !this._lost) {
      if (this._userClosed) {
        this._incoming.length = 0;
        return;
      }
      const item = this._incoming.shift() as Buffer | null;
      try {
        if (item === null) this._eofReceived();
        else this._dataReceived(item);
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.dataReceived() call failed.');
        return;
      }
    }
  };

  private _dataReceived(data: Buffer): void {
    const p = this._protocol;
    if (!isBuffered(p)) {
      (p as Protocol).dataReceived?.(data);
      return;
    }
    let offset = 0;
    while (offset < data.length) {
      const buf = p.getBuffer(data.length - offset);
      if (!(buf instanceof Uint8Array) || buf.length === 0) throw new RuntimeError('getBuffer() returned an empty buffer');
      const n = Math.min(buf.length, data.length - offset);
      buf.set(data.subarray(offset, offset + n));
      offset += n;
      p.bufferUpdated(n);
    }
  }

  // Port of _SelectorSocketTransport._read_ready__on_eof.
  private _eofReceived(): void {
    const keepOpen = (this._protocol as Protocol).eofReceived?.();
    if (keepOpen) return;
    this.close();
  }

  // ---- writing ----
  setWriteBufferLimits(limits?: WriteBufferLimits): void {
    [this._low, this._high] = checkLimits(limits);
    this._maybePauseProtocol();
  }
  getWriteBufferLimits(): [number, number] {
    return [this._low, this._high];
  }
  getWriteBufferSize(): number {
    return this._sock.destroyed ? 0 : this._sock.writableLength;
  }

  write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new TypeError(`data argument must be a bytes-like object, not ${typeof data}`);
    if (this._writeEofCalled) throw new RuntimeError('Cannot call write() after writeEof()');
    if (data.length === 0 || this._closing || this._lost) return;
    // Node keeps the chunk until it is written: a copy, since the caller owns `data`.
    this._sock.write(Buffer.from(data), this._onWritten);
    this._maybePauseProtocol();
  }
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }
  writeEof(): void {
    if (this._closing || this._writeEofCalled) return;
    this._writeEofCalled = true;
    this._sock.end();
  }
  canWriteEof(): boolean {
    return true;
  }

  private readonly _onWritten = (err?: Error | null): void => {
    if (err) return; // 'error' reports it.
    if (this._protocolPaused && !this._loop.isClosed()) this._loop.callSoon(this._maybeResumeProtocol);
  };

  // Port of _FlowControlMixin._maybe_pause_protocol.
  private _maybePauseProtocol(): void {
    if (this.getWriteBufferSize() <= this._high || this._protocolPaused) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: exc, transport: this, protocol: this._protocol });
    }
  }

  // Port of _FlowControlMixin._maybe_resume_protocol.
  private readonly _maybeResumeProtocol = (): void => {
    if (!this._protocolPaused || this.getWriteBufferSize() > this._low) return;
    this._protocolPaused = false;
    try {
      this._protocol.resumeWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: exc, transport: this, protocol: this._protocol });
    }
  };

  // ---- closing ----
  // Port of _SelectorTransport.close: the buffered data is sent, then the connection is lost.
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._userClosed = true;
    const sock = this._sock;
    sock.pause();
    if (sock.destroyed) return;
    if (sock.writableFinished || (sock.writableLength === 0 && !this._writeEofCalled)) sock.destroy();
    else if (this._writeEofCalled) sock.once('finish', () => sock.destroy());
    else sock.end(() => sock.destroy());
  }

  // Port of _SelectorTransport.abort.
  abort(): void {
    this._closing = true;
    this._userClosed = true;
    this._sock.destroy();
  }

  // Port of _SelectorTransport._fatal_error.
  private _fatalError(exc: unknown, message: string): void {
    const error = fromNodeError(exc);
    this._loop.callExceptionHandler({ message, exception: error, transport: this, protocol: this._protocol });
    this._exc = error;
    this.abort();
  }

  private readonly _onError = (err: Error): void => {
    this._exc ??= fromNodeError(err);
  };

  private readonly _onClose = (): void => {
    if (this._connLostQueued) return;
    this._connLostQueued = true;
    this._closing = true;
    if (this._loop.isClosed()) return;
    // Data and EOF read before the close are delivered first.
    this._loop.callSoon(this._deliverThenLose);
  };

  private readonly _deliverThenLose = (): void => {
    this._paused = false;
    this._deliver();
    this._callConnectionLost();
  };

  // Port of _SelectorTransport._call_connection_lost.
  private _callConnectionLost(): void {
    if (this._lost) return;
    this._lost = true;
    try {
      this._protocol.connectionLost?.(this._exc);
    } catch (exc) {
      logger.error(`protocol.connectionLost() failed: ${String(exc)}`);
    } finally {
      this._sock.removeListener('data', this._onData);
      this._server?._detach(this);
      this._loop._resourceClosed();
    }
  }
}
