// Port of asyncio/tasks.py Task: runs an async function as a Future that can
// be cancelled while it waits.
//
// asyncio's Task steps a coroutine itself; here the JavaScript engine runs
// the async function, so the mechanism differs (see task-step.ts and
// task-context.ts):
// - The function runs inside an AsyncLocalStorage context that holds the
//   Task. The Future the task's step awaits last becomes its waiter
//   (asyncio's _fut_waiter); the task resumes from it through its loop's
//   callSoon (a loop-less task: on a microtask), so its steps run only while
//   its loop runs, in order with the loop's other callbacks.
// - task.cancel(msg) cancels the waiter only, so the operation behind it is
//   cancelled and the function sees CancelledError at that await. If there
//   is none (the task awaits a plain promise, or runs), or the waiter is
//   already done, the request is kept (asyncio's _must_cancel) and
//   delivered once: at the await it resumes from, or by cancelling the next
//   Future it awaits. It also aborts the AbortSignal given to the function,
//   the JavaScript way to tell plain-promise code to stop.
// - The task ends cancelled if the function lets CancelledError propagate,
//   or if it returns while a request is still pending. An AbortError (the
//   rejection Node's own APIs give for an aborted signal) thrown after this
//   task's signal was aborted counts as CancelledError too.
import { CancelledError, RuntimeError } from './errors';
import { Future, isLoopLike } from './future';
import { formatValue } from './format';
import { getRunningLoopOrNull } from './running-loop';
import { currentTaskOrUndefined, runInTask } from './task-context';
import { finishTask, pendingTasksOf, registerTask, unlistTask } from './task-registry';
import type { TaskRecord } from './task-registry';
import type { Awaiter } from './awaiter';
import type { BaseEventLoop } from './base-event-loop';

/** What a Task runs: an async function given the task's AbortSignal. */
export type TaskFunction<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** Options of `new Task()`. */
export interface TaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string;
  /** The loop to run on; null for none. Default: the running loop, if any. */
  loop?: BaseEventLoop | null;
}

/** Options of `loop.createTask()` and `createTask()`; a task factory gets them as they are. */
export interface CreateTaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string;
}

/**
 * Makes the Task for `loop.createTask(fn, opts)` once set with
 * `loop.setTaskFactory()` (asyncio's task factory). It should return a
 * Task of `loop`, e.g. `new MyTask(fn, { ...opts, loop })`.
 */
export type TaskFactory = <T>(
  loop: BaseEventLoop,
  fn: TaskFunction<T>,
  opts: CreateTaskOptions,
) => Task<T>;

let taskCounter = 0;

/**
 * Throws TypeError unless `fn` is a function. A promise (or any thenable)
 * gets a message that teaches the fix: asyncio's create_task(work()) takes
 * a coroutine object, but here the task runs a function, so that it can
 * start the work itself (and give it the AbortSignal):
 * createTask(() => work()).
 */
export function checkTaskFunction(fn: unknown, what: string): void {
  if (typeof fn === 'function') return;
  const then = typeof fn === 'object' && fn !== null ? (fn as { then?: unknown }).then : undefined;
  if (typeof then === 'function') {
    throw new TypeError(
      `${what} takes a function that starts the work, not a promise: pass \`() => work()\` instead of \`work()\` ` +
        '(asyncio\'s create_task(work()) becomes createTask(() => work()) here)',
    );
  }
  throw new TypeError(`fn must be a function, got ${formatValue(fn)}`);
}

function isCancellation(error: unknown, signal: AbortSignal | undefined): boolean {
  if (error instanceof CancelledError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  if (name === 'CancelledError') return true;
  return signal !== undefined && signal.aborted && (error === signal.reason || name === 'AbortError');
}

/** A Future that runs an async function; cancel() cancels what it awaits. */
export class Task<T = unknown> extends Future<T> {
  /** @internal */ _fn: TaskFunction<T> | null;
  /** @internal */ _name: string;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal */ _mustCancel = false;
  /** @internal The Future the task waits on (asyncio's _fut_waiter), see task-step.ts. */
  _waiter: Future<unknown> | null = null;
  /** @internal The task's awaiter on _waiter once suspended there; null while the task runs. */
  _waiterAwaiter: Awaiter | null = null;
  /** @internal */ _controller: AbortController | null = null;
  /** @internal Its entry in the registry of pending tasks; null once done (see task-registry.ts). */
  _record: TaskRecord | null = null;

  constructor(fn: TaskFunction<T>, opts: TaskOptions = {}) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    if (opts.loop !== undefined && opts.loop !== null && !isLoopLike(opts.loop)) {
      throw new TypeError('opts.loop must be an event loop or null');
    }
    super(opts.loop === undefined ? undefined : { loop: opts.loop });
    checkTaskFunction(fn, 'new Task()');
    if (opts.name !== undefined && typeof opts.name !== 'string') {
      throw new TypeError('opts.name must be a string');
    }
    this._fn = fn;
    this._name = opts.name ?? `Task-${++taskCounter}`;
    // Port of tasks.py Task.__init__: the first step is scheduled, not run.
    // Registered first: a task whose scheduling fails (a closed loop) is
    // not listed, but is reported when collected, as in asyncio.
    const record = registerTask(this);
    try {
      if (this._loop !== null) this._loop.callSoon(startTask, this)._taskStep = true;
      else queueMicrotask(() => startTask(this));
    } catch (error) {
      unlistTask(record);
      throw error;
    }
    this._record = record;
  }

  // Port of base_tasks._task_repr_info.
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    if (this._numCancelsRequested > 0 && !this.done()) info[0] = 'cancelling';
    info.splice(1, 0, `name=${formatValue(this._name)}`);
    if (this._waiter !== null) info.splice(2, 0, `wait_for=${this._waiter.toString()}`);
    return info;
  }

  /** The task's name. */
  getName(): string {
    return this._name;
  }

  /** Renames the task (the value is converted to a string). */
  setName(value: unknown): void {
    this._name = String(value);
    if (this._record !== null) this._record.name = this._name;
  }

  /**
   * @internal asyncio's _log_destroy_pending: whether the task is reported
   * if it is collected while pending. Cleared for tasks that helpers made
   * and nobody else can reach (runUntilComplete, gather).
   */
  get _logDestroyPending(): boolean {
    return this._record?.logDestroyPending ?? false;
  }

  set _logDestroyPending(value: boolean) {
    if (this._record !== null) this._record.logDestroyPending = value;
  }

  /** The AbortSignal given to the function; aborted by the first cancel(). */
  get signal(): AbortSignal {
    this._controller ??= new AbortController();
    return this._controller.signal;
  }

  /** Tasks complete by running; throws RuntimeError. */
  override setResult(_value: T): never {
    throw new RuntimeError('Task does not support set_result operation');
  }

  /** Tasks complete by running; throws RuntimeError. */
  override setException(_exception: Error | (new () => Error)): never {
    throw new RuntimeError('Task does not support set_exception operation');
  }

  // Port of tasks.py Task.cancel.
  /**
   * Asks the task to stop: cancels the Future it waits on (or keeps the
   * request for its next await) and aborts its signal. Returns false if
   * the task is done. Unlike Future.cancel, the task is not cancelled at
   * once, and may even refuse by catching CancelledError.
   */
  override cancel(msg?: string | null): boolean {
    if (msg !== undefined && msg !== null && typeof msg !== 'string') {
      throw new TypeError('msg must be a string');
    }
    this._retrieved();
    if (this.done()) return false;
    this._numCancelsRequested += 1;
    if (this._controller === null || !this._controller.signal.aborted) {
      (this._controller ??= new AbortController()).abort(new CancelledError(msg ?? undefined));
    }
    // Only the future the task is suspended on: the others its code
    // touched may be awaited by other tasks too.
    if (this._waiter !== null && this._waiter.cancel(msg)) return true;
    this._mustCancel = true;
    this._cancelMessage = msg ?? undefined;
    return true;
  }

  /** How many cancellation requests are pending (cancel() minus uncancel()). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  // Port of tasks.py Task.uncancel (3.13: a count back at 0 also clears
  // the request not yet delivered).
  /** Withdraws one cancellation request; returns how many remain. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested -= 1;
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** @internal The function returned `value`. */
  _onReturn(value: T): void {
    if (this.done()) return;
    this._finish();
    if (this._mustCancel) {
      // Port of tasks.py Task.__step: cancelled right before it returned.
      this._mustCancel = false;
      super.cancel(this._cancelMessage);
    } else {
      super.setResult(value);
    }
  }

  /** @internal The function threw or rejected with `error`. */
  _onThrow(error: unknown): void {
    if (this.done()) return;
    this._finish();
    if (isCancellation(error, this._controller?.signal)) {
      this._mustCancel = false;
      let cancelled: CancelledError;
      if (error instanceof CancelledError) {
        cancelled = error;
      } else {
        const reason: unknown = this._controller?.signal.reason;
        cancelled =
          reason instanceof CancelledError ? reason : new CancelledError(this._cancelMessage);
      }
      this._cancelledExc = cancelled;
      super.cancel(cancelled.message === '' ? undefined : cancelled.message);
    } else if (typeof error === 'object' && error !== null) {
      super.setException(error as Error);
    } else {
      super.setException(new Error(String(error), { cause: error }));
    }
  }

  /** @internal Runs the function (the first asyncio step). */
  _start(): void {
    const fn = this._fn;
    if (fn === null || this.done()) return;
    this._fn = null;
    if (this._mustCancel) {
      // Port of tasks.py Task.__step: cancelled before it started, so the
      // function never runs.
      this._onThrow(new CancelledError(this._cancelMessage));
      return;
    }
    const signal = this.signal;
    runInTask(this, () => {
      try {
        Promise.resolve(fn(signal)).then(
          (value) => this._onReturn(value),
          (error: unknown) => this._onThrow(error),
        );
      } catch (error) {
        this._onThrow(error);
      }
    });
  }

  private _finish(): void {
    const record = this._record;
    if (record !== null) {
      this._record = null;
      finishTask(record);
    }
    this._waiter = null;
    this._waiterAwaiter = null;
  }
}

function startTask(task: Task<unknown>): void {
  task._start();
}

// Port of tasks.py current_task.
/**
 * The Task whose code is running (this function, or code it awaits), or
 * null. With `loop`, only a task of that loop counts. A callback the task
 * scheduled (a Node timer, an event listener) runs in the task's async
 * context but not in its step: while the task is suspended on a Future,
 * such code gets null, as asyncio's current_task() outside a step.
 */
export function currentTask(loop?: BaseEventLoop | null): Task<unknown> | null {
  const task = currentTaskOrUndefined();
  if (task === undefined || task.done() || task._waiterAwaiter !== null) return null;
  if (loop !== undefined && task._loop !== loop) return null;
  return task;
}

// Port of tasks.py all_tasks.
/**
 * The tasks of `loop` that are not done. Without an argument: those of the
 * running loop, or the loop-less ones when no loop runs; null: loop-less.
 */
export function allTasks(loop?: BaseEventLoop | null): Set<Task<unknown>> {
  return pendingTasksOf(loop === undefined ? getRunningLoopOrNull() : loop);
}

// Port of tasks.py create_task.
/**
 * Runs `fn` as a Task of the running loop (through `loop.createTask`, so
 * its task factory applies), or as a loop-less task when no loop runs
 * (asyncio.create_task requires a running loop).
 */
export function createTask<T>(fn: TaskFunction<T>, opts: CreateTaskOptions = {}): Task<T> {
  checkTaskFunction(fn, 'createTask()');
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const loop = getRunningLoopOrNull();
  if (loop !== null) return loop.createTask(fn, opts);
  return new Task(fn, { loop: null, name: opts.name });
}
