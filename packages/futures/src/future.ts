// Port of asyncio/futures.py Future: a result that arrives later, with
// done callbacks, cancellation, and (here) the PromiseLike interface so
// that `await future` works in any async function.
//
// Differences from asyncio, and why:
// - The loop is optional. A Future's loop is `opts.loop`, else the running
//   loop, else none (a "loop-less" future). Upper layers deliver I/O
//   completions straight from Node's event loop, and users await them from
//   plain async functions; such futures cannot depend on a BaseEventLoop
//   running. With a loop, done callbacks go through loop.callSoon (asyncio
//   semantics: they run while that loop runs); without one they run as
//   microtasks, in the order they were added.
// - then() is how a Task learns what it awaits (asyncio: the future yields
//   itself to Task.__step). See task-context.ts.
// - then() on a future that is already done settles on the next microtask
//   even for a loop future: asyncio's `await done_future` does not suspend
//   at all, and a stopped loop must not strand code awaiting a result that
//   is already there.
// - result()/exception() of a cancelled future throw the same CancelledError
//   each time (CPython hands out its saved one once, because raising it
//   mutates its traceback; JavaScript errors are not mutated by throw).
//
// Speed: `await future` makes the engine call then() from a microtask, so
// then() is the hot path; see awaiter.ts and README "What a Future costs".
import { CancelledError, InvalidStateError, RuntimeError } from './errors';
import { creationSite, formatCallback, formatError, formatValue } from './format';
import { getRunningLoopOrNull } from './running-loop';
import { currentTaskOrUndefined } from './task-context';
import { addAwaiter, resumeAwaiter, runLooplessCallbacksSoon, thenDone } from './awaiter';
import type { CallbackEntry } from './awaiter';
import { unwatchUnretrieved, watchUnretrieved } from './unretrieved';
import type { BaseEventLoop } from './base-event-loop';

/** A done callback: called with the future once it is done. */
export type DoneCallback<T> = (future: Future<T>) => void;

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop whose callSoon runs the done callbacks; null for none. Default: the running loop, if any. */
  loop?: BaseEventLoop | null;
}

type State = 'PENDING' | 'CANCELLED' | 'FINISHED';

/** Marks futures across copies of this package (isFuture is duck-typed, as in asyncio). */
const FUTURE_BRAND = Symbol.for('@iocp/futures.Future');

/** True if `value` can serve as the loop of a future. */
export function isLoopLike(value: unknown): value is BaseEventLoop {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BaseEventLoop).callSoon === 'function' &&
    typeof (value as BaseEventLoop).getDebug === 'function' &&
    typeof (value as BaseEventLoop).callExceptionHandler === 'function'
  );
}

// Port of base_futures.isfuture: a duck-typed check, true for futures made
// by any copy of this package.
/** True if `value` is a Future (or Task) of this package. */
export function isFuture(value: unknown): value is Future<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [FUTURE_BRAND]?: unknown })[FUTURE_BRAND] === true
  );
}

/** A result that will be available later: asyncio's Future, awaitable like a Promise. */
export class Future<T = unknown> implements PromiseLike<T> {
  declare readonly [FUTURE_BRAND]: true;

  /** @internal */ _state: State = 'PENDING';
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: Error | null = null;
  /** @internal */ _loop: BaseEventLoop | null;
  /** @internal Done callbacks and awaiters, in order (typed loosely so Future<T> stays assignable to Future<unknown>). */
  _callbacks: CallbackEntry[] | null = null;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal */ _cancelledExc: CancelledError | null = null;
  /** @internal */ _logTraceback = false;
  /** @internal Where the future was made (debug mode only). */
  _sourceTraceback: string | null = null;

  constructor(opts?: FutureOptions) {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
      throw new TypeError('opts must be an object');
    }
    const loop = opts?.loop;
    if (loop === undefined) {
      this._loop = getRunningLoopOrNull();
    } else if (loop === null) {
      this._loop = null;
    } else if (isLoopLike(loop)) {
      this._loop = loop;
    } else {
      throw new TypeError('opts.loop must be an event loop or null');
    }
    if (this._loop !== null && this._loop.getDebug()) {
      this._sourceTraceback = new Error().stack ?? null;
    }
  }

  // Port of futures.py Future._repr_info.
  /** @internal The parts of toString() between the angle brackets. */
  _reprInfo(): string[] {
    const info: string[] = [this._state.toLowerCase()];
    if (this._state === 'FINISHED') {
      if (this._exception !== null) info.push(`exception=${formatError(this._exception)}`);
      else info.push(`result=${formatValue(this._result)}`);
    }
    const callbacks = this._callbacks;
    if (callbacks !== null && callbacks.length > 0) {
      const cb = (i: number): string => {
        const callback = callbacks[i];
        return formatCallback(typeof callback === 'function' ? callback : resumeAwaiter);
      };
      const size = callbacks.length;
      const shown =
        size === 1
          ? cb(0)
          : size === 2
            ? `${cb(0)}, ${cb(1)}`
            : `${cb(0)}, <${size - 2} more>, ${cb(size - 1)}`;
      info.push(`cb=[${shown}]`);
    }
    const site = creationSite(this._sourceTraceback ?? undefined);
    if (site !== null) info.push(`created at ${site}`);
    return info;
  }

  /** `<Future pending>`, `<Future finished result=42>`, `<Future cancelled>`... */
  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(' ')}>`;
  }

  // Port of futures.py Future._make_cancelled_error.
  /** @internal The CancelledError to throw for a cancelled future. */
  _makeCancelledError(): CancelledError {
    if (this._cancelledExc !== null) return this._cancelledExc;
    return new CancelledError(this._cancelMessage);
  }

  /** @internal Marks the exception as retrieved (no "never retrieved" report). */
  _retrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      unwatchUnretrieved(this);
    }
  }

  // Port of futures.py Future.cancel.
  /**
   * Cancels the future and schedules its callbacks. Returns false if it was
   * already done or cancelled. `msg` becomes the CancelledError's message.
   */
  cancel(msg?: string | null): boolean {
    if (msg !== undefined && msg !== null && typeof msg !== 'string') {
      throw new TypeError('msg must be a string');
    }
    this._retrieved();
    if (this._state !== 'PENDING') return false;
    this._state = 'CANCELLED';
    this._cancelMessage = msg ?? undefined;
    this._scheduleCallbacks();
    return true;
  }

  // Port of futures.py Future.__schedule_callbacks.
  /** @internal Hands every done callback to the loop (or the microtask queue). */
  _scheduleCallbacks(): void {
    const callbacks = this._callbacks;
    if (callbacks === null || callbacks.length === 0) return;
    this._callbacks = null;
    const loop = this._loop;
    if (loop !== null) {
      for (const callback of callbacks) {
        if (typeof callback === 'function') loop.callSoon(callback, this);
        else loop.callSoon(resumeAwaiter, this, callback);
      }
    } else {
      runLooplessCallbacksSoon(callbacks, this);
    }
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this._state === 'CANCELLED';
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== 'PENDING';
  }

  // Port of futures.py Future.result.
  /**
   * The result. Throws InvalidStateError while pending, CancelledError if
   * cancelled, and the future's exception if it has one.
   */
  result(): T {
    if (this._state === 'CANCELLED') throw this._makeCancelledError();
    if (this._state !== 'FINISHED') throw new InvalidStateError('Result is not ready.');
    this._retrieved();
    if (this._exception !== null) throw this._exception;
    return this._result as T;
  }

  // Port of futures.py Future.exception.
  /** The exception (null if none). Throws InvalidStateError while pending, CancelledError if cancelled. */
  exception(): Error | null {
    if (this._state === 'CANCELLED') throw this._makeCancelledError();
    if (this._state !== 'FINISHED') throw new InvalidStateError('Exception is not set.');
    this._retrieved();
    return this._exception;
  }

  // Port of futures.py Future.add_done_callback.
  /** Calls `callback(future)` once done (soon, if it already is). */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    if (this._state !== 'PENDING') {
      if (this._loop !== null) this._loop.callSoon(callback, this);
      else runLooplessCallbacksSoon([callback], this);
    } else {
      (this._callbacks ??= []).push(callback);
    }
  }

  // Port of futures.py Future.remove_done_callback.
  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const callbacks = this._callbacks;
    if (callbacks === null) return 0;
    const kept = callbacks.filter((cb) => cb !== callback);
    const removed = callbacks.length - kept.length;
    if (removed > 0) this._callbacks = kept;
    return removed;
  }

  // Port of futures.py Future.set_result.
  /** Marks the future done with `value`. Throws InvalidStateError if already done. */
  setResult(value: T): void {
    if (this._state !== 'PENDING') {
      throw new InvalidStateError(`${this._state}: ${this.toString()}`);
    }
    this._result = value;
    this._state = 'FINISHED';
    this._scheduleCallbacks();
  }

  // Port of futures.py Future.set_exception.
  /**
   * Marks the future done with an exception (an Error, or an Error class,
   * which is instantiated). Throws InvalidStateError if already done.
   */
  setException(exception: Error | (new () => Error)): void {
    if (this._state !== 'PENDING') {
      throw new InvalidStateError(`${this._state}: ${this.toString()}`);
    }
    let error: unknown = exception;
    if (typeof error === 'function') error = new (error as new () => Error)();
    if (typeof error !== 'object' || error === null) {
      throw new TypeError('exception must be an Error');
    }
    this._exception = error as Error;
    this._state = 'FINISHED';
    this._scheduleCallbacks();
    this._logTraceback = true;
    watchUnretrieved(this, {
      loop: this._loop,
      kind: this.constructor.name,
      exception: error,
      sourceTraceback: this._sourceTraceback,
    });
  }

  /** The loop this future belongs to, or null for a loop-less future. */
  getLoop(): BaseEventLoop | null {
    return this._loop;
  }

  /**
   * Promise interface: settles with the result, or rejects with the
   * exception (CancelledError if cancelled). Awaiting a future retrieves its
   * exception. Inside a Task, this is also how the Task learns which future
   * it awaits, so task.cancel() can cancel it.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this._state !== 'PENDING') return thenDone(this, onfulfilled, onrejected);
    const task = currentTaskOrUndefined();
    let waiter: typeof task;
    if (task !== undefined && !task.done()) {
      // Port of tasks.py Task.__step's checks on a yielded future.
      let problem: string | undefined;
      if ((task as unknown) === this) {
        problem = `Task cannot await on itself: ${task.toString()}`;
      } else if (task._loop !== null && this._loop !== null && task._loop !== this._loop) {
        problem = `Task ${task.toString()} got Future ${this.toString()} attached to a different loop`;
      }
      if (problem !== undefined) {
        return Promise.reject(new RuntimeError(problem)).then(onfulfilled, onrejected);
      }
      waiter = task;
    }
    const promise = addAwaiter<R1 | R2>(this, onfulfilled, onrejected, waiter);
    waiter?._awaitStart(this);
    return promise;
  }

  /** Promise interface: like then(undefined, onrejected). */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /** Promise interface: runs `onfinally` once settled, keeping the outcome. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }
}

Object.defineProperty(Future.prototype, FUTURE_BRAND, { value: true });

// Port of futures.py _set_result_unless_cancelled.
/** @internal Sets the result unless the future was cancelled meanwhile. */
export function setResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!future.cancelled()) future.setResult(value);
}
