// Port of asyncio/proactor_events.py _ProactorReadPipeTransport: the read
// loop. One read of up to 64 KiB at a time (proactor._readFor, with no
// future: one TransportRead per transport, see transport-read.ts): a short
// one is copied into a buffer the transport owns and reuses, and the
// protocol gets a copy of the filled bytes; a large one (HAND_OUT_AT bytes
// or more) comes as a Buffer of its own, the memory the OS received into,
// which goes to the protocol as it is (no copy in this process).
//
// A BufferedProtocol's reads go straight into the buffer its getBuffer(-1)
// returns (as asyncio's selector transport does with recv_into; CPython's
// proactor reads into its own buffer and copies): the OS receives into the
// operation's own memory, the core copies the bytes into the protocol's
// buffer when the read completes, and bufferUpdated(n) follows. No
// allocation per read and one copy, which is what BufferedProtocol is for;
// a buffer from allocReceiveBuffer() takes the OS's write itself, with no
// copy at all. The protocol must leave that buffer alone until
// bufferUpdated (or connectionLost). Closing drops the buffer from a read
// still in flight (proactor._dropReadBuffer), so a read that wins its cancel
// race never writes into a buffer the protocol may already have reused; a
// read into a receive buffer cannot be dropped (the OS writes it), so
// connectionLost waits for its completion instead. A read that
// finishes while reading is paused is copied out of the protocol's buffer
// and delivered through getBuffer/bufferUpdated on resumeReading(), and one
// that finishes after setProtocol() changed the protocol reaches the new
// protocol as a copy.
// pauseReading() never cancels the read in flight (bpo-33694): what it
// brings while reading is paused is kept and delivered on resumeReading().
//
// CPython builds the socket and duplex transports by multiple inheritance
// (read + write); here the read side is a mixin, readable(Base).
import {
  ConnectionAbortedError,
  ConnectionResetError,
  OSError,
  RuntimeError,
  logger,
} from '@iocp/futures';

import type { TrackedOp } from '../overlapped-future';
import { typeName } from '../proactor-args';
import { TransportRead } from '../transport-read';

import type { BaseProtocol, BufferedProtocol, Protocol } from '../protocols';
import { ProactorBasePipeTransport } from './base-pipe-transport';
import { copyReceived } from './received-copy';

const GET_BUFFER_FAILED = 'Fatal error: protocol.get_buffer() call failed.';

/** The most one read puts into a BufferedProtocol's buffer. */
export const LENT_READ_MAX = 256 * 1024;

/** CPython's buffer_size default: one read is at most 64 KiB. */
export const READ_BUFFER_SIZE = 64 * 1024;

// Port of protocols._feed_data_to_buffered_proto.
export function feedDataToBufferedProto(proto: BufferedProtocol, data: Uint8Array): void {
  let offset = 0;
  let left = data.length;
  while (left > 0) {
    const buf = proto.getBuffer(left);
    const bufLen = buf.length;
    if (!bufLen) throw new RuntimeError('get_buffer() returned an empty buffer');
    if (bufLen >= left) {
      buf.set(offset === 0 && left === data.length ? data : data.subarray(offset, offset + left));
      proto.bufferUpdated(left);
      return;
    }
    buf.set(data.subarray(offset, offset + bufLen));
    proto.bufferUpdated(bufLen);
    offset += bufLen;
    left -= bufLen;
  }
}

type AbstractCtor<T> = abstract new (...args: any[]) => T;

/** The read side of a transport, over any ProactorBasePipeTransport class. */
export function readable<TBase extends AbstractCtor<ProactorBasePipeTransport>>(Base: TBase) {
  abstract class ReadableTransport extends Base {
    /** @internal The bytes of a read that completed while paused (-1: none; 0: EOF). */
    _pendingDataLength = -1;
    /** @internal The copy of those bytes. */
    _pendingData: Buffer | null = null;
    /** @internal */ _paused = true;
    /** @internal The buffer every read goes into (but a BufferedProtocol's). */
    readonly _data: Buffer = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
    /** @internal The BufferedProtocol buffer the read in flight fills, or null (it fills _data). */
    _readInto: Uint8Array | null = null;
    /** @internal The protocol that lent _readInto. */
    _readIntoProto: BaseProtocol | null = null;

    /** @internal The read this transport starts again for every read (see TransportRead). */
    _read: TransportRead | null = null;

    /** @internal The read's done callback (bound once). */
    readonly _onReadDone = (fut: TransportRead | null): void => {
      this._loopReading(fut);
    };

    /** @internal Delivers data that waited for resumeReading(). */
    readonly _deliverPending = (data: Buffer | null, length: number): void => {
      this._dataReceived(data, length);
    };

    // Port of _ProactorReadPipeTransport.__init__.
    constructor(...args: any[]) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- a mixin's constructor forwards its arguments
      super(...args);
      this._loop.callSoon(this._onReadDone, null);
      this._paused = false;
    }

    isReading(): boolean {
      return !this._paused && !this._closing;
    }

    // Port of _ProactorReadPipeTransport.pause_reading. bpo-33694: the read
    // in flight is not cancelled (cancelling an overlapped read can lose the
    // data it already took); its data waits for resumeReading().
    pauseReading(): void {
      if (this._closing || this._paused) return;
      this._paused = true;
      if (this._loop.getDebug()) logger.debug(`${this.toString()} pauses reading`);
    }

    // Port of _ProactorReadPipeTransport.resume_reading.
    resumeReading(): void {
      if (this._closing || !this._paused) return;
      this._paused = false;
      const length = this._pendingDataLength;
      // After an end of file no read is started again (CPython would post
      // one, which can only bring the end of file a second time).
      if (this._readFut === null && length !== 0) {
        this._loop.callSoon(this._onReadDone, null);
      }
      const data = this._pendingData;
      this._pendingDataLength = -1;
      this._pendingData = null;
      // Called after _loopReading() was scheduled, since the protocol can
      // decide to pause reading again.
      if (length > -1) this._loop.callSoon(this._deliverPending, data, length);
      if (this._loop.getDebug()) logger.debug(`${this.toString()} resumes reading`);
    }

    // Port of _ProactorReadPipeTransport._eof_received.
    /** @internal */
    _eofReceived(): void {
      if (this._loop.getDebug()) logger.debug(`${this.toString()} received EOF`);
      let keepOpen: boolean | void;
      try {
        keepOpen = (this._protocol as Protocol).eofReceived?.();
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.eof_received() call failed.');
        return;
      }
      if (!keepOpen) this.close();
    }

    // Port of _ProactorReadPipeTransport._data_received.
    /** @internal */
    _dataReceived(data: Buffer | null, length: number): void {
      if (this._paused) {
        // No protocol method runs while reading is paused; resumeReading()
        // delivers this.
        this._pendingDataLength = length;
        this._pendingData = data;
        return;
      }
      if (length === 0) {
        this._eofReceived();
        return;
      }
      if (this._buffered) {
        try {
          const proto = this._protocol as BufferedProtocol;
          // null: the bytes are in the protocol's own buffer already.
          if (data === null) proto.bufferUpdated(length);
          else feedDataToBufferedProto(proto, data);
        } catch (exc) {
          this._fatalError(exc, 'Fatal error: protocol.buffer_updated() call failed.');
        }
        return;
      }
      (this._protocol as Protocol).dataReceived?.(data as Buffer);
    }

    // Port of _ProactorReadPipeTransport._loop_reading: takes the result of
    // the read that finished, hands the data to the protocol, then starts the
    // next read unless paused or closing.
    //
    // CPython starts the next read before data_received(). Here the protocol
    // comes first: its reply (an echo's write) goes out without waiting for
    // the next read to be set up, which is on the latency path of every
    // request/response exchange. What the protocol may do meanwhile is the
    // same either way: pauseReading() there means no read is started (its
    // data would only have waited for resumeReading()), close() there means
    // none is started either; an exception it throws still lets the next
    // read start, then goes to the loop's exception handler as CPython's does.
    /** @internal */
    _loopReading(fut: TransportRead | null): void {
      let length = -1;
      let data: Buffer | null = null;
      if (fut !== null) {
        this._readFut = null;
        const into = this._readInto;
        const lender = this._readIntoProto;
        this._readInto = null;
        this._readIntoProto = null;
        try {
          if (fut.done()) {
            // Once close() was called, what a read brings is ignored (its
            // cancel may have come too late to stop it: the OS finished it).
            // Its error, if any (a reset while closing), is taken all the
            // same, or it would be reported as never retrieved.
            if (this._closing && !fut.cancelled()) {
              fut.exception();
              return;
            }
            const result = fut.result();
            if (typeof result !== 'number') {
              // A large read's bytes come as their own Buffer (no copy).
              data = result;
              length = result.length;
            } else {
              length = result;
              // End of file: no new read.
              if (length === 0) {
                this._dataReceived(null, 0);
                return;
              }
              if (into === null) {
                // A copy: the buffer is read into again.
                data = copyReceived(this._data, length);
              } else if (this._paused || lender !== this._protocol || !this._buffered) {
                // Not delivered in place now (see the header): a copy.
                data = copyReceived(into, length);
              }
            }
          } else {
            fut.cancel();
          }
        } catch (exc) {
          this._readFailed(exc);
          return;
        }
      }
      if (length > 0) {
        try {
          this._dataReceived(data, length);
        } finally {
          this._readNext();
        }
      } else {
        this._readNext();
      }
    }

    /**
     * @internal Starts the next read (the second half of _loop_reading):
     * none once close() was called or while paused, and none when one is
     * already in flight (the protocol paused and resumed reading meanwhile).
     */
    _readNext(): void {
      if (this._closing || this._paused || this._readFut !== null) return;
      const sock = this._sock;
      if (sock === null) return;
      const proactor = this._loop._proactor;
      let into: Uint8Array | null = null;
      if (this._buffered) {
        into = this._protocolBuffer();
        if (into === null) return;
        // One read fills at most LENT_READ_MAX bytes of a larger buffer (the
        // operation's own memory is that large: a 64 MiB buffer must not
        // cost a 64 MiB allocation per read); bufferUpdated says how many.
        if (into.length > LENT_READ_MAX) into = into.subarray(0, LENT_READ_MAX);
      }
      // One TransportRead serves every read; a new one only when the last
      // is still the proactor's (a cancel it could not finish yet).
      let read = this._read;
      if (read === null || read._id >= 0) {
        read = this._read = new TransportRead(proactor, this._loop, this._onReadDone);
      }
      try {
        // Into the protocol's buffer (as recvInto), or into the transport's
        // own (a large read then comes as a Buffer of its own).
        proactor._readFor(sock, into ?? this._data, into === null, read);
      } catch (exc) {
        this._readFailed(exc);
        return;
      }
      this._readFut = read;
      if (into !== null) {
        this._readInto = into;
        this._readIntoProto = this._protocol;
      }
    }

    /**
     * @internal Port of the selector transport's get_buffer(-1) checks: the
     * buffer a BufferedProtocol lends the next read, or null after a fatal
     * error (getBuffer threw, or gave no bytes to fill).
     */
    _protocolBuffer(): Uint8Array | null {
      try {
        const buf: unknown = (this._protocol as BufferedProtocol).getBuffer(-1);
        if (!(buf instanceof Uint8Array)) {
          throw new TypeError(`getBuffer() must return a Uint8Array, got ${typeName(buf)}`);
        }
        if (buf.length === 0) throw new RuntimeError('get_buffer() returned an empty buffer');
        return buf;
      } catch (exc) {
        this._fatalError(exc, GET_BUFFER_FAILED);
        return null;
      }
    }

    /** @internal The read in flight is cancelled (close, abort): it fills no protocol buffer any more. */
    override _cancelRead(): void {
      const fut = this._readFut as TrackedOp | null;
      if (fut !== null && this._readInto !== null) {
        // A read into a receive buffer is the OS's own write, which nothing
        // can drop: connectionLost waits for its completion instead.
        if (fut._lent) this._lentRead = fut;
        else this._loop._proactor._dropReadBuffer(fut);
        this._readInto = null;
        this._readIntoProto = null;
      }
      super._cancelRead();
    }

    /** @internal A read that failed (its result, or starting it), as _loop_reading's except clauses. */
    _readFailed(exc: unknown): void {
      if (exc instanceof ConnectionAbortedError) {
        if (!this._closing) this._fatalError(exc, 'Fatal read error on pipe transport');
        else if (this._loop.getDebug())
          logger.debug(`Read error on pipe transport while closing: ${String(exc)}`);
      } else if (exc instanceof ConnectionResetError) {
        this._forceClose(exc);
      } else if (exc instanceof OSError) {
        this._fatalError(exc, 'Fatal read error on pipe transport');
      } else if (!this._isQuietCancel(exc)) {
        throw exc;
      }
    }
  }
  return ReadableTransport;
}
