// Port of asyncio/proactor_events.py _ProactorBaseWritePipeTransport and
// _ProactorWritePipeTransport: write buffering with flow control.
//
// States (CPython's): IDLE (no send in flight, empty buffer), WRITING (a
// send in flight), BACKED UP (a send in flight and data queued behind it).
// A write while IDLE goes out at once (the native core copies the bytes
// when the send starts, so no copy is made here); writes while a send is
// pending are copied into a list of buffers (no join) and go out as one
// gathered send when it finishes. A send the OS took whole at once comes
// back as its byte count (IocpProactor._sendNow makes no future for it): it
// is settled on the spot, so the next write goes out at once too, without a
// loop iteration in between.
import { BrokenPipeError, ConnectionError, ConnectionResetError, OSError, RuntimeError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import type { Connection } from '../iocp-proactor';
import { typeName } from '../proactor-args';
import type { WriteTransport } from './types';
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, ProactorBasePipeTransport } from './base-pipe-transport';
import { copyReceived } from './received-copy';

/** A copy of `data` the caller cannot change any more. */
function copyOf(data: Uint8Array): Buffer {
  return copyReceived(data, data.length);
}

export abstract class ProactorBaseWritePipeTransport extends ProactorBasePipeTransport implements WriteTransport {
  /** @internal The write future's done callback (bound once). */
  readonly _onWriteDone = (fut: Future<number>): void => {
    this._loopWriting(fut, null);
  };

  // Port of _ProactorBaseWritePipeTransport.write.
  write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`data argument must be a bytes-like object (Uint8Array), not ${typeName(data)}`);
    }
    if (this._eofWritten) throw new RuntimeError('write_eof() already called');
    if (this._emptyWaiter !== null) throw new RuntimeError('unable to write; sendfile is in progress');
    if (data.length === 0) return;
    if (this._connLost) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warn('socket.send() raised exception.');
      this._connLost += 1;
      return;
    }
    if (this._writeFut === null) {
      // IDLE -> WRITING.
      this._loopWriting(null, data);
      return;
    }
    // WRITING -> BACKED UP, or BACKED UP: queue a copy.
    if (this._buffer === null) this._buffer = [copyOf(data)];
    else this._buffer.push(copyOf(data));
    this._bufferSize += data.length;
    this._maybePauseProtocol();
  }

  // Port of transports.py WriteTransport.writelines.
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }

  /**
   * @internal Starts the send of the queued buffers as one gathered send
   * (IocpProactor._sendNow with a list: the core copies each view into the
   * operation's own memory, the copy every send makes anyway; no join here):
   * the byte count when the OS took it whole at once, else its future.
   */
  _sendBuffers(sock: Connection, bufs: Uint8Array[]): number | Future<number> {
    return this._loop._proactor._sendNow(sock, bufs.length === 1 ? bufs[0] : bufs);
  }

  // Port of _ProactorBaseWritePipeTransport._loop_writing: `f` is the send
  // that finished (null when called from write(), which passes `data`).
  /** @internal */
  _loopWriting(f: Future<number> | null, data: Uint8Array | null): void {
    try {
      if (f !== null) {
        // _forceClose() ran meanwhile (and dropped the send).
        if (this._writeFut === null && this._closing) return;
        this._writeFut = null;
        this._pendingWrite = 0;
        f.result();
      }
      for (;;) {
        const sock = this._sock;
        let sent: number | Future<number>;
        let size: number;
        if (data !== null && sock !== null) {
          size = data.length;
          sent = this._loop._proactor._sendNow(sock, data);
          data = null;
        } else if (this._buffer !== null && sock !== null) {
          const bufs = this._buffer;
          size = this._bufferSize;
          this._buffer = null;
          this._bufferSize = 0;
          sent = this._sendBuffers(sock, bufs);
        } else {
          if (this._closing) this._loop.callSoon(this._callConnectionLost, null);
          if (this._eofWritten && sock !== null) (sock as Connection & { shutdown(how: 'write'): void }).shutdown('write');
          // Last, since the protocol's resumeWriting() may write again
          // (and even pause it again).
          this._maybeResumeProtocol();
          break;
        }
        // The OS took it whole at once (the common case): no future.
        if (typeof sent === 'number') continue;
        const fut = sent;
        if (!fut.done()) {
          this._writeFut = fut;
          this._pendingWrite = size;
          fut.addDoneCallback(this._onWriteDone);
          this._maybePauseProtocol();
          break;
        }
        // The OS took it whole at once: settled here (or throws its error).
        fut.result();
      }
      const waiter = this._emptyWaiter;
      if (waiter !== null && this._writeFut === null && !waiter.done()) waiter.setResult(undefined);
    } catch (exc) {
      if (exc instanceof ConnectionResetError) this._forceClose(exc);
      else if (exc instanceof OSError) this._fatalError(exc, 'Fatal write error on pipe transport');
      else throw exc;
    }
  }

  canWriteEof(): boolean {
    return true;
  }

  // Port of _ProactorBaseWritePipeTransport.write_eof: a write pipe closes.
  writeEof(): void {
    this.close();
  }

  // Port of _ProactorBaseWritePipeTransport.abort.
  abort(): void {
    this._forceClose(null);
  }

  // Port of _ProactorBaseWritePipeTransport._make_empty_waiter (sendfile).
  /** @internal */
  _makeEmptyWaiter(): Future<void> {
    if (this._emptyWaiter !== null) throw new RuntimeError('Empty waiter is already set');
    const waiter = this._loop.createFuture<void>();
    this._emptyWaiter = waiter;
    if (this._writeFut === null) waiter.setResult(undefined);
    return waiter;
  }

  /** @internal */
  _resetEmptyWaiter(): void {
    this._emptyWaiter = null;
  }
}

// Port of _ProactorWritePipeTransport: a write-only pipe. A read of the
// pipe tells when the other end closes: connectionLost follows.
export class ProactorWritePipeTransport extends ProactorBaseWritePipeTransport {
  /** @internal */
  readonly _onPipeClosed = (fut: Future<Buffer>): void => {
    this._pipeClosed(fut);
  };

  constructor(...args: ConstructorParameters<typeof ProactorBasePipeTransport>) {
    super(...args);
    this._watchPipe();
  }

  /** @internal A read that ends when the other end closes. */
  _watchPipe(): void {
    const fut = this._loop._proactor.recv(this._sock as Connection, 16);
    this._readFut = fut;
    fut.addDoneCallback(this._onPipeClosed);
  }

  // Port of _ProactorWritePipeTransport._pipe_closed.
  /** @internal */
  _pipeClosed(fut: Future<Buffer>): void {
    // The transport was closed.
    if (fut.cancelled()) return;
    const exc = fut.exception();
    if (this._closing) return;
    if (fut !== this._readFut) return;
    this._readFut = null;
    if (exc !== null) {
      // The write end of a one-way pipe cannot be read (EBADF on Linux,
      // access denied on Windows; CPython makes its write pipes duplex for
      // this): nothing watches the other end, whose close shows at the
      // next write (a broken pipe) instead.
      if (exc instanceof OSError && !(exc instanceof ConnectionError)) return;
      this._forceClose(exc);
      return;
    }
    // CPython asserts that nothing is read; data the other end sent is
    // dropped here and the watch goes on.
    if (fut.result().length > 0) {
      this._watchPipe();
      return;
    }
    if (this._writeFut !== null) this._forceClose(new BrokenPipeError());
    else this.close();
  }
}
