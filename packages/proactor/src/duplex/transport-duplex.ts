// A node:stream Duplex over an asyncio-style Transport. It installs its
// own Protocol on the transport (transport.setProtocol), so bytes go from
// the transport's dataReceived straight into push(), and writes go from
// _write/_writev straight into transport.write/writelines: no StreamReader
// or Future on the way.
//
// Backpressure both ways:
// - readable: push() returning false pauses the transport's reading;
//   _read() resumes it (pauseReading never loses data in flight).
// - writable: a write's callback is held while the transport is over its
//   high-water mark (pauseWriting) and released by resumeWriting, so the
//   Writable buffers behind it and write() returns false as for net.Socket.
// Endings, as net.Socket: end() -> writeEof() once the buffered writes are
// handed over (close() where the transport cannot write EOF); EOF from the
// peer ends the readable side, and with allowHalfOpen false (the default)
// ends the writable side too. Once both sides are done the transport is
// closed (buffered data is still sent); destroy() aborts it (buffered data
// is dropped). A connection error destroys the stream with that error
// ('error', then 'close'). 'close' is emitted once the transport's
// connectionLost has run, so the socket is really closed by then.
import { Duplex } from 'node:stream';
import type { DuplexOptions } from 'node:stream';

import { ConnectionResetError } from '@iocp/futures';

import type { SockAddr } from '../address';
import type { Protocol } from '../protocols';
import type { Socket } from '../socket';
import type { Transport } from '../transports/types';

export interface AsDuplexOptions {
  /** As net.Socket's: false (the default) ends the writable side when the readable side ends. */
  allowHalfOpen?: boolean;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
}

type Callback = (error?: Error | null) => void;

/** State to start from when a transport is taken over from another protocol. */
export interface TakeOverState {
  /** Bytes the previous protocol received and nobody read. */
  buffered?: Buffer | null;
  /** The previous protocol saw EOF. */
  eof?: boolean;
  /** The previous protocol paused the transport's reading. */
  readingPaused?: boolean;
  /** The transport's write buffer is over its high-water mark. */
  writingPaused?: boolean;
  /** The connection already failed. */
  error?: Error | null;
  /** Also told about pauseWriting/resumeWriting/connectionLost (a StreamReaderProtocol whose writer still waits). */
  previous?: Protocol | null;
}

export class TransportDuplex extends Duplex {
  /** The transport this stream reads from and writes to. */
  readonly transport: Transport;
  private _readingPaused = false;
  private _writingPaused = false;
  /** A write callback held while the transport's write buffer is full. */
  private _pendingWrite: Callback | null = null;
  /** connectionLost has run. */
  private _lost = false;
  /** The callback of _destroy, called once the transport is gone. */
  private _destroyCallback: (() => void) | null = null;
  private readonly _previous: Protocol | null;

  constructor(transport: Transport, opts: AsDuplexOptions = {}, state: TakeOverState = {}) {
    const options: DuplexOptions = {
      allowHalfOpen: opts.allowHalfOpen ?? false,
      // net.Socket's: writes of strings are encoded, data is given as Buffers.
      decodeStrings: true,
    };
    if (opts.readableHighWaterMark !== undefined) options.readableHighWaterMark = opts.readableHighWaterMark;
    if (opts.writableHighWaterMark !== undefined) options.writableHighWaterMark = opts.writableHighWaterMark;
    super(options);
    this.transport = transport;
    this._previous = state.previous ?? null;
    this._writingPaused = state.writingPaused ?? false;
    this._readingPaused = state.readingPaused ?? false;
    transport.setProtocol(this._makeProtocol());
    if (state.buffered != null && state.buffered.length > 0) this.push(state.buffered);
    if (state.error != null) {
      this._lost = true;
      this.destroy(state.error);
    } else if (state.eof === true) {
      this.push(null);
    }
  }

  // ---- the Protocol the transport calls ----
  private _makeProtocol(): Protocol {
    const previous = this._previous;
    return {
      dataReceived: (data: Buffer): void => {
        if (!this.push(data) && !this._readingPaused && !this._lost) {
          this._readingPaused = true;
          this.transport.pauseReading();
        }
      },
      eofReceived: (): boolean => {
        this.push(null);
        // Keep the transport open: the writable side decides (see _final).
        return true;
      },
      pauseWriting: (): void => {
        this._writingPaused = true;
        previous?.pauseWriting?.();
      },
      resumeWriting: (): void => {
        this._writingPaused = false;
        previous?.resumeWriting?.();
        const callback = this._pendingWrite;
        if (callback !== null) {
          this._pendingWrite = null;
          callback();
        }
      },
      connectionLost: (exc: Error | null): void => this._connectionLost(exc),
    };
  }

  private _connectionLost(exc: Error | null): void {
    this._lost = true;
    this._previous?.connectionLost?.(exc);
    const pending = this._pendingWrite;
    this._pendingWrite = null;
    const destroyed = this._destroyCallback;
    this._destroyCallback = null;
    if (destroyed !== null) {
      destroyed();
      return;
    }
    if (exc !== null) {
      // The write in wait fails with the connection's error too.
      if (pending !== null) pending(exc);
      this.destroy(exc);
      return;
    }
    // A clean close we did not ask for (the peer's EOF with a transport
    // that closes itself): the readable side ends after what it holds.
    if (pending !== null) pending(new ConnectionResetError('Connection lost'));
    this.push(null);
    if (this.writableFinished || this.writableEnded || this.destroyed) return;
    // Nothing can be written any more: finish the writable side so the
    // stream can end and close once the reader is done.
    this.end();
  }

  // ---- Readable ----
  override _read(): void {
    if (this._readingPaused) {
      this._readingPaused = false;
      if (!this._lost) this.transport.resumeReading();
    }
  }

  // ---- Writable ----
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    if (this._lost || this.transport.isClosing()) {
      callback(new ConnectionResetError('Connection lost'));
      return;
    }
    this.transport.write(chunk);
    this._afterWrite(callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: Callback): void {
    if (this._lost || this.transport.isClosing()) {
      callback(new ConnectionResetError('Connection lost'));
      return;
    }
    const list = new Array<Buffer>(chunks.length);
    for (let i = 0; i < chunks.length; i++) list[i] = chunks[i].chunk;
    this.transport.writelines(list);
    this._afterWrite(callback);
  }

  private _afterWrite(callback: Callback): void {
    if (this._writingPaused) this._pendingWrite = callback;
    else callback();
  }

  override _final(callback: Callback): void {
    if (this._lost) {
      callback();
      return;
    }
    // Once the readable side is done too, _destroy (autoDestroy) closes
    // the transport; it sends what it holds first.
    if (this.transport.canWriteEof()) this.transport.writeEof();
    else this.transport.close();
    callback();
  }

  override _destroy(error: Error | null, callback: Callback): void {
    if (this._lost) {
      callback(error);
      return;
    }
    this._destroyCallback = () => callback(error);
    if (error === null && this.writableFinished && this.readableEnded) this.transport.close();
    else this.transport.abort();
  }

  // ---- the bits of net.Socket that http and friends look for ----
  private _peer(): SockAddr | undefined {
    return this.transport.getExtraInfo<SockAddr>('peername');
  }

  private _sock(): SockAddr | undefined {
    return this.transport.getExtraInfo<SockAddr>('sockname');
  }

  get remoteAddress(): string | undefined {
    const peer = this._peer();
    return Array.isArray(peer) ? peer[0] : undefined;
  }

  get remotePort(): number | undefined {
    const peer = this._peer();
    return Array.isArray(peer) ? peer[1] : undefined;
  }

  get remoteFamily(): string | undefined {
    const peer = this._peer();
    return Array.isArray(peer) ? (peer.length === 4 ? 'IPv6' : 'IPv4') : undefined;
  }

  get localAddress(): string | undefined {
    const sock = this._sock();
    return Array.isArray(sock) ? sock[0] : undefined;
  }

  get localPort(): number | undefined {
    const sock = this._sock();
    return Array.isArray(sock) ? sock[1] : undefined;
  }

  /** As net.Socket's: TCP_NODELAY on the transport's socket (a no-op elsewhere). */
  setNoDelay(noDelay = true): this {
    this._setOption('TCP_NODELAY', noDelay);
    return this;
  }

  /** As net.Socket's (the initial delay is not supported and ignored). */
  setKeepAlive(enable = false): this {
    this._setOption('SO_KEEPALIVE', enable);
    return this;
  }

  private _setOption(name: 'TCP_NODELAY' | 'SO_KEEPALIVE', value: boolean): void {
    const sock = this.transport.getExtraInfo<Socket>('socket');
    if (sock === undefined || typeof sock.setsockopt !== 'function' || sock.closed) return;
    if (sock.type !== 'stream' || (name === 'TCP_NODELAY' && sock.family === 'unix')) return;
    sock.setsockopt(name, value);
  }
}
