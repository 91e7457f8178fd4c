// Callback wrappers returned by callSoon / callLater / callAt.
//
// Port of events.py Handle and TimerHandle. Differences: no contextvars
// Context (JavaScript has none to copy); a callback that returns a promise
// has that promise's rejection reported to the exception handler too, since
// nobody else can observe it.
import { formatCallback, formatValue } from './format';
import type { BaseEventLoop } from './base-event-loop';

/** Any function the loop can call with the given arguments. */
export type Callback<A extends unknown[] = any[]> = (...args: A) => unknown;

/** A callback scheduled on a loop; cancel() it to keep it from running. */
export class Handle {
  /** @internal */ _callback: Callback | null;
  /** @internal */ _args: unknown[] | null;
  /** @internal */ _cancelled = false;
  /** @internal */ _repr: string | null = null;
  /** @internal A Task's step (task-step.ts): the loop lets it finish before its next callback. */
  _taskStep = false;
  /** @internal */ readonly _loop: BaseEventLoop;

  constructor(callback: Callback, args: unknown[], loop: BaseEventLoop) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
  }

  /** @internal The `kind cb(args)` part of toString(). */
  protected _reprInfo(): string[] {
    const info = [this.constructor.name];
    if (this._cancelled) info.push('cancelled');
    if (this._callback !== null) info.push(formatCallback(this._callback, this._args ?? []));
    return info;
  }

  /** `<Handle cb(1, 2)>`, `<Handle cancelled>`. */
  toString(): string {
    if (this._repr !== null) return this._repr;
    return `<${this._reprInfo().join(' ')}>`;
  }

  // Port of events.py Handle.cancel.
  /** Keeps the callback from running; does nothing if it already ran or was cancelled. */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    // Keep a description for debug output; drop the references so the
    // callback and its arguments can be collected.
    if (this._loop.getDebug()) this._repr = this.toString();
    this._callback = null;
    this._args = null;
  }

  /** True once cancel() was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  // Port of events.py Handle._run: an exception goes to the loop's handler.
  /** @internal Runs the callback; called by the loop only. */
  _run(): void {
    const callback = this._callback;
    if (callback === null) return;
    try {
      const result = callback(...(this._args ?? []));
      if (isThenable(result)) {
        result.then(undefined, (error: unknown) => this._report(error));
      }
    } catch (error) {
      this._report(error);
    }
  }

  private _report(error: unknown): void {
    this._loop.callExceptionHandler({
      message: `Exception in callback ${formatCallback(this._callback ?? undefined, this._args ?? [])}`,
      exception: error,
      handle: this,
    });
  }
}

/** A callback scheduled for a given time (loop.time() milliseconds). */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal Tie-breaker: timers with the same deadline run in call order. */
  readonly _seq: number;
  /** @hidden For the other packages of this project: true while the handle sits in the loop's timer heap. */
  _scheduled = false;

  constructor(when: number, seq: number, callback: Callback, args: unknown[], loop: BaseEventLoop) {
    super(callback, args, loop);
    this._when = when;
    this._seq = seq;
  }

  protected override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(this._cancelled ? 2 : 1, 0, `when=${formatValue(Math.round(this._when))}`);
    return info;
  }

  /** The scheduled time, in loop.time() milliseconds. */
  when(): number {
    return this._when;
  }

  // Port of events.py TimerHandle.cancel.
  override cancel(): void {
    if (!this._cancelled) this._loop._timerHandleCancelled(this);
    super.cancel();
  }
}

/** True for objects with a callable `then` (promises and futures). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
