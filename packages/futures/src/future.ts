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
// - A Task learns what it awaits from the `constructor` getter and the
//   then() call that follows it (asyncio: the future yields itself to
//   Task.__step). See task-step.ts.
// - then() on a future that is already done settles on the next microtask
//   even for a loop future: asyncio's `await done_future` does not suspend
//   at all, and a stopped loop must not strand code awaiting a result that
//   is already there.
// - result()/exception() of a cancelled future throw the same CancelledError
//   each time (CPython hands out its saved one once, because raising it
//   mutates its traceback; JavaScript errors are not mutated by throw).
//
// Speed: a Future is a native promise (a Promise subclass) whose
// `constructor` is a getter. `await x` reads x.constructor: when it is
// Promise, the engine awaits x as its own promise (one job, no then()
// call). The getter answers Promise outside a Task and settles the native
// promise lazily: at once if the future is already done, else when it
// finishes. So only futures that are awaited this way ever settle their
// native promise, and a rejection is only made where an awaiter takes it
// (so the future's exception counts as retrieved, and Node never sees an
// unhandled rejection). In a Task's step the getter of a pending future
// answers the future's class instead, so the await goes through then() and
// the task gets a wakeup of its own (see task-step.ts). then() also serves
// explicit .then() calls and other thenable users. See README "What a
// Future costs".
import { CancelledError, InvalidStateError, RuntimeError } from './errors';
import { creationSite, formatCallback, formatError, formatValue } from './format';
import { getRunningLoopOrNull } from './running-loop';
import { currentTaskOrUndefined } from './task-context';
import { addAwaiter, resumeAwaiter, runLooplessCallbacksSoon, thenDone } from './awaiter';
import type { Awaiter, CallbackEntry } from './awaiter';
import { awaitInTask, scheduleTaskWakeup } from './task-step';
import { unwatchUnretrieved, watchUnretrieved } from './unretrieved';
import type { BaseEventLoop } from './base-event-loop';
import type { Task } from './task';

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
/** On each Future class's prototype: the class, once its `constructor` getter is installed. */
const REAL_CLASS = Symbol('@iocp/futures.class');

const NOOP = (): undefined => undefined;
const promiseThen: (this: Promise<unknown>, onfulfilled?: null, onrejected?: () => undefined) => Promise<unknown> =
  Promise.prototype.then; // eslint-disable-line @typescript-eslint/unbound-method -- called with .call
// super(takeNative) hands over the native promise's resolving functions
// without a closure per future (the executor runs inside the constructor).
let nativeResolve: (value: unknown) => void = NOOP;
let nativeReject: (reason: unknown) => void = NOOP;
function takeNative(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  nativeResolve = resolve;
  nativeReject = reject;
}

/** Native promise states of a Future (Future._native). */
const NATIVE_UNUSED = 0;
const NATIVE_AWAITED = 1;
const NATIVE_SETTLED = 2;

/** True for a done callback, or an awaiter no Task of a loop waits in. */
function isLooplessEntry(entry: CallbackEntry): boolean {
  return typeof entry === 'function' || entry.task === undefined || entry.task._loop === null;
}

/** Settles the native promise of a done future, for the code awaiting it natively. */
function settleNative(future: Future<any>): void {
  future._native = NATIVE_SETTLED;
  const resolve = future._nativeResolve;
  const reject = future._nativeReject;
  future._nativeResolve = future._nativeReject = NOOP;
  if (future._state === 'FINISHED' && future._exception === null) {
    resolve(future._result);
    return;
  }
  const error = future._state === 'CANCELLED' ? future._makeCancelledError() : future._exception;
  // The awaiter takes the exception: it is retrieved. The rejection is
  // handled before it is made, so Node never reports it as unhandled.
  future._retrieved();
  void promiseThen.call(future, null, NOOP);
  reject(error);
}

// Port of tasks.py Task.__step's checks on a yielded future.
/** Why `task` may not await `future`, or undefined. */
function awaitProblem(task: Task<unknown>, future: Future<unknown>): string | undefined {
  if ((task as unknown) === future) return `Task cannot await on itself: ${task.toString()}`;
  if (task._loop !== null && future._loop !== null && task._loop !== future._loop) {
    return `Task ${task.toString()} got Future ${future.toString()} attached to a different loop`;
  }
  return undefined;
}

// The `constructor` getter of every Future class (see the header). Inside
// a Task's step, a pending future answers its own class instead of
// Promise: the engine then awaits it as a thenable and calls then() on a
// later job, which gives the task an await of its own (resumed through its
// loop, see task-step.ts). The getter also makes asyncio's checks (a task
// awaiting itself, a future of another loop), throwing at the await.
function awaitedConstructor(this: Future<unknown>): unknown {
  if (this._state === 'PENDING') {
    const task = currentTaskOrUndefined();
    if (task !== undefined && task._waiterAwaiter === null && !task.done()) {
      const problem = awaitProblem(task, this);
      if (problem !== undefined) throw new RuntimeError(problem);
      // Port of tasks.py Task.__step: the future the step yields becomes
      // the task's _fut_waiter (the last one read in the step wins).
      task._waiter = this;
      return (this as unknown as Record<symbol, unknown>)[REAL_CLASS];
    }
    if (this._native === NATIVE_UNUSED) this._native = NATIVE_AWAITED;
  } else if (this._native === NATIVE_UNUSED) {
    settleNative(this);
  }
  return Promise;
}

/** Gives a Future class (and each subclass, on its first instance) the `constructor` getter. */
function installAwaitedConstructor(cls: abstract new (...args: any[]) => unknown): void {
  const proto = cls.prototype as object;
  Object.defineProperty(proto, REAL_CLASS, { value: cls, configurable: true });
  Object.defineProperty(proto, 'constructor', { get: awaitedConstructor, configurable: true });
}

/** The class of a future (its `constructor` property answers Promise to `await`). */
export function futureClassName(future: Future<unknown>): string {
  const cls = (future as unknown as Record<symbol, { name: string } | undefined>)[REAL_CLASS];
  return cls?.name ?? 'Future';
}

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
export class Future<T = unknown> extends Promise<T> implements PromiseLike<T> {
  declare readonly [FUTURE_BRAND]: true;

  /** Promise methods called on a Future (Promise.prototype.then and the like) make plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** @internal The resolving functions of the native promise (see the header). */
  _nativeResolve: (value: unknown) => void;
  /** @internal */ _nativeReject: (reason: unknown) => void;
  /** @internal NATIVE_UNUSED, NATIVE_AWAITED or NATIVE_SETTLED. */
  _native = NATIVE_UNUSED;

  /** @internal */ _state: State = 'PENDING';
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: Error | null = null;
  /** @internal */ _loop: BaseEventLoop | null;
  /** @internal Done callbacks and awaiters, in order (typed loosely so Future<T> stays assignable to Future<unknown>). */
  _callbacks: CallbackEntry[] | null = null;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal */ _cancelledExc: CancelledError | null = null;
  /** @hidden For the other packages of this project. */ _logTraceback = false;
  /** @hidden For the other packages of this project: where the future was made (debug mode only). */
  _sourceTraceback: string | null = null;

  constructor(opts?: FutureOptions) {
    super(takeNative as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void);
    this._nativeResolve = nativeResolve;
    this._nativeReject = nativeReject;
    nativeResolve = nativeReject = NOOP;
    // A subclass gets the `constructor` getter with its first instance
    // (Future itself got it when this module loaded).
    if (new.target !== Future && (new.target.prototype as unknown as Record<symbol, unknown>)[REAL_CLASS] !== new.target) {
      installAwaitedConstructor(new.target);
    }
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
    // What runs when it is done: its callbacks, and the awaiters then()
    // left (a Task's own await shows as asyncio's Task.task_wakeup).
    const callbacks: string[] = (this._callbacks ?? []).map((callback) =>
      typeof callback === 'function'
        ? formatCallback(callback)
        : callback.task !== undefined
          ? 'Task.taskWakeup()'
          : formatCallback(resumeAwaiter),
    );
    if (callbacks.length > 0) {
      const cb = (i: number): string => callbacks[i];
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
  override toString(): string {
    return `<${futureClassName(this)} ${this._reprInfo().join(' ')}>`;
  }

  /** util.inspect() shows the future's state, not its native promise's. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
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
    if (this._native === NATIVE_AWAITED) settleNative(this);
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
        else if (callback.task !== undefined) scheduleTaskWakeup(callback.task, this, callback);
        else loop.callSoon(resumeAwaiter, this, callback);
      }
    } else if (callbacks.every(isLooplessEntry)) {
      runLooplessCallbacksSoon(callbacks, this);
    } else {
      // A Task of a loop awaits this loop-less future: it resumes through
      // its loop, the other callbacks on the microtask.
      const rest: CallbackEntry[] = [];
      for (const callback of callbacks) {
        if (isLooplessEntry(callback)) rest.push(callback);
        else scheduleTaskWakeup((callback as Awaiter).task as Task<unknown>, this, callback as Awaiter);
      }
      if (rest.length > 0) runLooplessCallbacksSoon(rest, this);
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
    if (this._native === NATIVE_AWAITED) settleNative(this);
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
    // Someone awaits it natively: they take the exception.
    if (this._native === NATIVE_AWAITED) {
      settleNative(this);
      return;
    }
    this._logTraceback = true;
    watchUnretrieved(this, {
      loop: this._loop,
      kind: futureClassName(this),
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
   * exception. Inside a Task's step, the engine's then() call for an
   * `await` of a pending future is the task's own await (task-step.ts).
   */
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = currentTaskOrUndefined();
    // The engine's then() call for an await the getter saw in the task's
    // step (see awaitedConstructor): the task's own await.
    if (task !== undefined && task._waiter === this && task._waiterAwaiter === null && !task.done()) {
      return awaitInTask(task, this, onfulfilled, onrejected) as Promise<R1 | R2>;
    }
    if (this._state !== 'PENDING') return thenDone(this, onfulfilled, onrejected);
    return addAwaiter<R1 | R2>(this, onfulfilled, onrejected, undefined);
  }

  /** Promise interface: like then(undefined, onrejected). */
  override catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /** Promise interface: runs `onfinally` once settled, keeping the outcome. */
  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }
}

void Object.defineProperty(Future.prototype, FUTURE_BRAND, { value: true });
installAwaitedConstructor(Future);

// Port of futures.py _set_result_unless_cancelled.
/** @internal Sets the result unless the future was cancelled meanwhile. */
export function setResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!future.cancelled()) future.setResult(value);
}
