// Futures of proactor operations.
// Port of windows_events.py _OverlappedFuture and _BaseWaitHandleFuture:
// cancelling the future cancels the OS operation; the operation's late
// completion is absorbed by the proactor (its future is already done).
// Unlike CPython, a wait needs no separate _WaitCancelFuture: the native core
// unregisters the wait and delivers exactly one completion for it.
//
// The future also carries what the proactor needs to finish its operation
// (IocpProactor keeps no per-operation record of its own): the finisher, the
// buffer, and links in the list of operations pending on its connection.
import { Future } from '@iocp/futures';
import type { FutureOptions, OSError } from '@iocp/futures';

import { reportFutureError } from './report';
import type { TransportRead } from './transport-read';

/**
 * An operation the proactor tracks from its start to its completion: the
 * future of one (OverlappedFuture), or a transport's read (TransportRead,
 * the same record without a Future).
 */
export type TrackedOp = OverlappedFuture<unknown> | TransportRead;

/** What an OverlappedFuture needs from its proactor. */
export interface OperationCanceller {
  /** Asks the OS to cancel operation `id`: null, or the OSError of a cancel the OS refused. */
  _cancelOperation(id: number): OSError | null;
}

/** A connection as the proactor tracks it: its pending operations are listed on it. */
export interface TrackedConnection {
  fileno(): number;
  /** @internal The first operation pending on this connection (any proactor). */
  _opHead?: TrackedOp | null;
}

/**
 * Turns a successful completion into the future's value:
 * (future, result, completion index, address length).
 */
export type Finisher = (fut: TrackedOp, result: number, index: number, addrLen: number) => unknown;

/**
 * Cancels the OS operation of `op` while it is pending (OverlappedFuture.cancel,
 * TransportRead.cancel). Returns false when the cancel cannot undo it (it
 * finished, or a send was cut after progress): `op` then stays pending for
 * the outcome its completion brings. Port of windows_events.py
 * _OverlappedFuture._cancel_overlapped: a cancel the OS refuses is
 * reported, and the operation counts as cancelled all the same.
 */
export function cancelOperationOf(op: TrackedOp): boolean {
  if (op._id < 0) return true;
  if (!op._hasOutcome) {
    const error = op._canceller._cancelOperation(op._id);
    if (error !== null) reportFutureError(op, 'Cancelling an overlapped future failed', error);
  }
  return !op._hasOutcome;
}

export class OverlappedFuture<T> extends Future<T> {
  /** The native operation id while it is pending, -1 after. */
  _id = -1;
  /** @internal */ readonly _canceller: OperationCanceller;
  /** @internal The syscall name, for errors and toString(). */
  readonly _what: string;
  /** @internal Makes the value from a successful result. */
  _finish: Finisher | null = null;
  /** @internal The connection the operation runs on (null: a raw handle). */
  _conn: TrackedConnection | null = null;
  /** @internal The buffer a read fills (kept alive with the operation). */
  _buf: Uint8Array | null = null;
  /** @internal Reads: a broken pipe reads as EOF (the finisher's value for 0 bytes). */
  _emptyOnBrokenPipe = false;
  /** @internal The result is a new handle (accept): closed if the future was cancelled meanwhile. */
  _resultIsHandle = false;
  /** @internal Set when the connection was closed under the operation. */
  _aborted = false;
  /**
   * @internal Set by the canceller when a cancel came too late to undo the
   * operation (it finished, or a send was cut after part of it went out):
   * the future stays pending for the outcome its completion brings.
   */
  _hasOutcome = false;
  /** @internal Auto-reset waits on Linux: the event and when the wait times out (performance.now() ms, -1: never). */
  _autoReset: { handle: number; deadline: number } | null = null;
  /**
   * @internal A read the OS does straight into its buffer (a receive
   * buffer, see allocReceiveBuffer): until its completion is delivered
   * (`_id` back to -1), even after a cancel, the OS may still write it.
   */
  _lent = false;
  /** @internal Called once the completion of the operation was delivered (the OS let go of it). */
  _onReleased: (() => void) | null = null;
  /** @internal Links in the connection's list of pending operations. */
  _prevOnConn: TrackedOp | null = null;
  /** @internal */ _nextOnConn: TrackedOp | null = null;

  constructor(canceller: OperationCanceller, what: string, opts: FutureOptions | undefined) {
    super(opts);
    this._canceller = canceller;
    this._what = what;
  }

  // Port of windows_events.py _OverlappedFuture.cancel: the OS operation is
  // cancelled, then the future. A msg of the wrong type throws TypeError
  // before either (API.md: cancel(msg?: string)).
  //
  // Unlike CPython, an operation the cancel cannot undo is not reported as
  // cancelled: when the OS already finished it (its completion waits for
  // the next batch) or a send was cut after part of it went out, cancel()
  // returns false and the future takes the real outcome (the bytes a
  // receive took, a send's count, the OSError of a cut send). Cancelling it
  // anyway would lose received bytes or hide sent ones (the cancellation
  // storm test, fault-cancel-storm.test.ts, found both). An operation whose
  // cancel is in flight in the kernel (io_uring, IOCP) may still win that
  // race; see the proactor README.
  override cancel(msg?: string | null): boolean {
    if (msg !== undefined && msg !== null && typeof msg !== 'string') {
      throw new TypeError('msg must be a string');
    }
    if (!this.done() && !cancelOperationOf(this)) return false;
    return super.cancel(msg);
  }

  override toString(): string {
    const base = super.toString();
    return this._id >= 0 ? base.replace(/>$/, ` ${this._what} id=${this._id}>`) : base;
  }
}
