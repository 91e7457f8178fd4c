// The transports' reads, without a Future per read.
//
// A read transport keeps one read in flight for as long as it lives, and
// nothing but the transport ever waits for it. An OverlappedFuture per read
// (a Promise subclass, its async-hook init, a callbacks list) was a third
// of the JavaScript cost of a read in the bulk echo. A TransportRead is the
// same record for the proactor (it tracks it, finishes it and cancels it as
// it does a future: see TrackedOp) and for the transport (done, cancelled,
// result, exception, cancel), made once per transport and started again
// for every read (IocpProactor._readFor). Its outcome reaches the
// transport as a future's would: its one done callback runs from the loop's
// ready queue (callSoon), so the order of events is asyncio's.
import { CancelledError, InvalidStateError } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

import { cancelOperationOf } from './overlapped-future';
import type { Finisher, OperationCanceller, TrackedConnection, TrackedOp } from './overlapped-future';

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;

export class TransportRead {
  // What the proactor reads and writes on an operation it tracks (the same
  // fields as OverlappedFuture's).
  /** The native operation id while it is pending, -1 after. */
  _id = -1;
  /** @internal */ readonly _canceller: OperationCanceller;
  /** @internal */ readonly _what = 'recv_into';
  /** @internal */ _finish: Finisher | null = null;
  /** @internal */ _conn: TrackedConnection | null = null;
  /** @internal */ _buf: Uint8Array | null = null;
  /** @internal A broken pipe reads as EOF. */ readonly _emptyOnBrokenPipe = true;
  /** @internal */ readonly _resultIsHandle = false;
  /** @internal */ _aborted = false;
  /** @internal */ _hasOutcome = false;
  /** @internal */ _lent = false;
  /** @internal */ _onReleased: (() => void) | null = null;
  /** @internal */ _prevOnConn: TrackedOp | null = null;
  /** @internal */ _nextOnConn: TrackedOp | null = null;
  /** @internal */ readonly _sourceTraceback: string | null = null;

  /** @internal */ _state = PENDING;
  /** @internal */ _result: number | Buffer = 0;
  /** @internal */ _exception: Error | null = null;
  private readonly _loop: BaseEventLoop;
  private readonly _onDone: (read: TransportRead) => void;

  constructor(canceller: OperationCanceller, loop: BaseEventLoop, onDone: (read: TransportRead) => void) {
    this._canceller = canceller;
    this._loop = loop;
    this._onDone = onDone;
  }

  /** @internal Makes it a new read (IocpProactor._readFor, before it starts one). */
  _restart(): void {
    this._state = PENDING;
    this._result = 0;
    this._exception = null;
    this._aborted = false;
    this._hasOutcome = false;
    this._lent = false;
  }

  getLoop(): BaseEventLoop {
    return this._loop;
  }

  done(): boolean {
    return this._state !== PENDING;
  }

  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /** The bytes read (a count, or a Buffer of its own), or throws the read's error. */
  result(): number | Buffer {
    if (this._state === CANCELLED) throw new CancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError('Result is not ready.');
    if (this._exception !== null) throw this._exception;
    return this._result;
  }

  exception(): Error | null {
    if (this._state === CANCELLED) throw new CancelledError();
    if (this._state !== FINISHED) throw new InvalidStateError('Exception is not set.');
    return this._exception;
  }

  /** `value`: what its finisher made, a count or a Buffer. */
  setResult(value: unknown): void {
    this._settle(FINISHED);
    this._result = value as number | Buffer;
  }

  setException(exc: Error): void {
    this._settle(FINISHED);
    this._exception = exc;
  }

  // As OverlappedFuture.cancel: the OS operation first; one the cancel can
  // no longer undo keeps the read pending for its real outcome (false).
  cancel(): boolean {
    if (this._state !== PENDING || !cancelOperationOf(this)) return false;
    this._settle(CANCELLED);
    return true;
  }

  private _settle(state: number): void {
    if (this._state !== PENDING) throw new InvalidStateError(`${this.toString()} is done`);
    this._state = state;
    this._loop.callSoon(this._onDone, this);
  }

  toString(): string {
    const state = ['pending', 'finished', 'cancelled'][this._state];
    return `<TransportRead ${state}${this._id >= 0 ? ` recv_into id=${this._id}` : ''}>`;
  }
}
