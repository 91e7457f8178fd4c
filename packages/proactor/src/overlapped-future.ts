// Futures of proactor operations.
// Port of windows_events.py _OverlappedFuture and _BaseWaitHandleFuture:
// cancelling the future cancels the OS operation; the operation's late
// completion is absorbed by the proactor (its future is already done).
// Unlike CPython, a wait needs no separate _WaitCancelFuture: the native core
// unregisters the wait and delivers exactly one completion for it.
import { Future } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

/** What an OverlappedFuture needs from its proactor. */
export interface OperationCanceller {
  _cancelOperation(id: number): void;
}

export class OverlappedFuture<T> extends Future<T> {
  /** The native operation id while it is pending, -1 after. */
  _id = -1;
  private readonly _canceller: OperationCanceller;
  private readonly _what: string;

  constructor(canceller: OperationCanceller, what: string, loop: BaseEventLoop | undefined) {
    super(loop ? { loop } : undefined);
    this._canceller = canceller;
    this._what = what;
  }

  override cancel(msg?: string): boolean {
    if (!this.done() && this._id >= 0) this._canceller._cancelOperation(this._id);
    return super.cancel(msg);
  }

  override toString(): string {
    const base = super.toString();
    return this._id >= 0 ? base.replace(/>$/, ` ${this._what} id=${this._id}>`) : base;
  }
}
