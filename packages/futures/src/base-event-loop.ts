// Port of asyncio/base_events.py BaseEventLoop: the loop core (scheduling,
// timers, running, stopping, closing, exception handling), driven by Node's
// own event loop instead of a blocking select().
//
// How it runs. asyncio's run_forever() calls _run_once() in a loop, and
// _run_once() blocks in select() until I/O or the next timer. Blocking is
// not allowed here, so each _run_once() becomes one Node macrotask (the
// first one right after runForever() starts, like asyncio's first pass):
// - while callbacks are ready (or stop() was called) the next iteration is
//   one setImmediate, so Node polls its I/O between iterations and every
//   completion delivered in that poll is handled in the next batch;
// - otherwise one Node timer is armed for the earliest TimerHandle (a far
//   timer when there is none: a running loop keeps the process alive, as
//   run_forever() does in asyncio);
// - callSoon() or stop() from outside an iteration (a completion delivered
//   by Node, a microtask) arms the setImmediate.
// Each iteration runs the callbacks that were ready when it began (the
// ntodo rule), so callbacks added meanwhile wait for the next one. A Task's
// step (its start, or its wakeup from a Future, see task-step.ts) is a
// callback like any other, but the async function it resumes runs on
// microtasks: after such a callback the iteration goes on only once the
// microtask queue is empty (a microtask queues a process.nextTick, which
// Node runs after the queue drains), so the step runs whole, in FIFO order
// with the other callbacks, while the loop runs (asyncio's __step is one
// synchronous callback). When the
// loop stops every Node timer and immediate is cleared: a stopped loop never
// keeps the process alive.
//
// Hooks for subclasses (the proactor loop):
// - _onRunStart(): runForever() begins, before the first iteration
//   (asyncio's _run_forever_setup). The loop is already the running loop.
// - _onRunStop(): runForever() ends, after the last iteration
//   (asyncio's _run_forever_cleanup), still the running loop.
// - _processEvents(): start of every iteration, before due timers and
//   ready callbacks are collected (asyncio's _process_events after select).
// - _wakeup(): makes an idle running loop iterate soon; for event sources
//   that do not go through callSoon().
// - close() may be overridden; call super.close() from the override.
import { RuntimeError } from './errors';
import { dispatchException, logExceptionContext } from './exception-context';
import type { ExceptionContext, ExceptionHandler } from './exception-context';
import { formatValue } from './format';
import { Future, isFuture } from './future';
import { Handle, TimerHandle } from './handle';
import type { Callback } from './handle';
import { logger } from './logger';
import { getRunningLoopOrNull, setRunningLoop } from './running-loop';
import { runUntilComplete } from './run-until-complete';
import type { Awaitable } from './run-until-complete';
import { Task, checkTaskFunction } from './task';
import type { CreateTaskOptions, TaskFactory, TaskFunction } from './task';
import { outsideTasks } from './task-context';
import { TimerHeap } from './timer-heap';
import { checkDelay, warnIfSeconds } from './timers';

/** asyncio's MAXIMUM_SELECT_TIMEOUT (one day); also under Node's 2^31-1 ms timer limit. */
const MAXIMUM_WAIT_MS = 24 * 3600 * 1000;

const RESOLVED = Promise.resolve();

/** The event loop core; subclasses add I/O (the proactor loop, the selector loop). */
export abstract class BaseEventLoop {
  /** Debug mode: callbacks slower than this (ms) are logged (asyncio's slow_callback_duration). */
  slowCallbackDuration = 100;

  /** @internal */ _ready: Handle[] = [];
  /** @internal */ _scheduled = new TimerHeap();
  /** @internal */ _timerCancelledCount = 0;
  private _timerSeq = 0;
  private _closed = false;
  private _stopping = false;
  private _running = false;
  private _iterating = false;
  private _debug = false;
  private _exceptionHandler: ExceptionHandler | null = null;
  private _taskFactory: TaskFactory | null = null;
  private _immediate: NodeJS.Immediate | null = null;
  private _timer: NodeJS.Timeout | null = null;
  private _timerDeadline = NaN;
  private _settleRun: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  /** The callbacks of the current iteration, and the next one to run. */
  private _batch: Handle[] = [];
  private _batchNext = 0;
  /** True while a Task's step runs on microtasks, between two callbacks of the batch. */
  private _inStep = false;
  /** True while an event source delivers a batch that ends with _iterateNow(). */
  private _inEvents = false;

  /** `<Loop running=false closed=false debug=false>` */
  toString(): string {
    return `<${this.constructor.name} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }

  /** Monotonic time in milliseconds (performance.now()), the clock of callAt(). */
  time(): number {
    return performance.now();
  }

  // Port of base_events.py BaseEventLoop.call_soon.
  /** Schedules `callback(...args)` for the next iteration, after those already scheduled. */
  callSoon<A extends unknown[]>(callback: Callback<A>, ...args: A): Handle {
    this._checkClosed();
    this._checkCallback(callback, 'callSoon');
    const handle = new Handle(callback as Callback, args, this);
    this._ready.push(handle);
    this._wakeup();
    return handle;
  }

  // Port of base_events.py BaseEventLoop.call_later. A negative delay is
  // allowed, as in asyncio: the timer is due at once (ordered by deadline).
  /** Schedules `callback(...args)` to run `delay` ms from now. */
  callLater<A extends unknown[]>(delay: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkDelay(delay, 'delay');
    warnIfSeconds(delay, 'callLater() delay', this);
    return this.callAt(this.time() + delay, callback, ...args);
  }

  // Port of base_events.py BaseEventLoop.call_at.
  /** Schedules `callback(...args)` at loop time `when` (ms, see time()). */
  callAt<A extends unknown[]>(when: number, callback: Callback<A>, ...args: A): TimerHandle {
    checkDelay(when, 'when');
    this._checkClosed();
    this._checkCallback(callback, 'callAt');
    const handle = new TimerHandle(when, this._timerSeq++, callback as Callback, args, this);
    this._scheduled.push(handle);
    handle._scheduled = true;
    if (this._running && !this._iterating && this._immediate === null) {
      if (!(when >= this._timerDeadline)) this._armWake();
    }
    return handle;
  }

  /** @internal Called by TimerHandle.cancel(). */
  _timerHandleCancelled(handle: TimerHandle): void {
    if (handle._scheduled) this._timerCancelledCount += 1;
  }

  /** A new Future of this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  // Port of base_events.py BaseEventLoop.create_task (3.13: the options
  // go to the task factory as they are; it names the task itself).
  /**
   * Runs `fn(signal)` as a Task of this loop (it starts in the next
   * iteration); with a task factory set, returns `factory(this, fn, opts)`.
   */
  createTask<T>(fn: TaskFunction<T>, opts: CreateTaskOptions = {}): Task<T> {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    checkTaskFunction(fn, 'createTask()');
    this._checkClosed();
    const factory = this._taskFactory;
    if (factory === null) return new Task(fn, { loop: this, name: opts.name });
    const task = factory(this, fn, opts);
    // asyncio does not check; a clear error here beats a confusing one later.
    if (!isFuture(task)) {
      throw new TypeError(`the task factory must return a Task, got ${formatValue(task)}`);
    }
    return task;
  }

  // Port of base_events.py BaseEventLoop.set_task_factory.
  /** Sets the factory createTask() uses (null: the default, `new Task`). */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && factory !== undefined && typeof factory !== 'function') {
      throw new TypeError(`task factory must be a function or null, got ${formatValue(factory)}`);
    }
    this._taskFactory = factory ?? null;
  }

  // Port of base_events.py BaseEventLoop.get_task_factory.
  /** The task factory, or null when the default one is in use. */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // Port of base_events.py BaseEventLoop.run_forever. Resolves when stop()
  // takes effect; rejects at once if the loop is closed or another runs.
  /** Runs the loop until stop() is called. */
  runForever(): Promise<void> {
    const refusal = this._refuseToRun();
    if (refusal !== null) return Promise.reject(refusal);
    return new Promise<void>((resolve, reject) => {
      this._settleRun = { resolve, reject };
      this._running = true;
      setRunningLoop(this);
      try {
        this._onRunStart();
      } catch (error) {
        this._finishRun(true, error);
        return;
      }
      // Like run_forever(), start with an iteration even if nothing is ready.
      this._wakeup();
    });
  }

  /**
   * Runs the loop until `aw` is done and returns its result. `aw` is a
   * Future or Task (of this loop or loop-less), a promise (wrapped with
   * wrapFuture), or a task function (run with createTask).
   */
  runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    return runUntilComplete(this, aw);
  }

  // Port of base_events.py BaseEventLoop.stop.
  /**
   * Stops the loop once the current iteration is over (right after the next
   * one if it is not running now, as in asyncio).
   */
  stop(): void {
    this._stopping = true;
    this._wakeup();
  }

  /** True while runForever() (or runUntilComplete()) is in progress. */
  isRunning(): boolean {
    return this._running;
  }

  /** True once close() was called. */
  isClosed(): boolean {
    return this._closed;
  }

  // Port of base_events.py BaseEventLoop.close.
  /**
   * Closes the loop: pending callbacks and timers are dropped. Idempotent.
   * Throws RuntimeError('Cannot close a running event loop') while running.
   */
  close(): Promise<void> {
    if (this._running) throw new RuntimeError('Cannot close a running event loop');
    if (this._closed) return Promise.resolve();
    if (this._debug) logger.debug(`Close ${this.toString()}`);
    this._closed = true;
    this._ready = [];
    this._scheduled.clear();
    this._timerCancelledCount = 0;
    this._clearNodeWake();
    return Promise.resolve();
  }

  /** `await using loop = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Sets the handler of callExceptionHandler(); null restores the default. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && handler !== undefined && typeof handler !== 'function') {
      throw new TypeError(`A callable object or null is expected, got ${formatValue(handler)}`);
    }
    this._exceptionHandler = handler ?? null;
  }

  /** The custom exception handler, or null. */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  // Port of base_events.py BaseEventLoop.default_exception_handler.
  /** Logs the context (message, details, stack) through the package logger. */
  defaultExceptionHandler(context: ExceptionContext): void {
    logExceptionContext(context);
  }

  // Port of base_events.py BaseEventLoop.call_exception_handler.
  /** Reports an error: to the custom handler if set, else the default; never throws. */
  callExceptionHandler(context: ExceptionContext): void {
    if (typeof context !== 'object' || context === null) {
      throw new TypeError('context must be an object');
    }
    dispatchException(this, this._exceptionHandler, context);
  }

  /** Turns debug mode on or off (slow callback warnings, creation sites in toString()). */
  setDebug(enabled: boolean): void {
    if (typeof enabled !== 'boolean') throw new TypeError('enabled must be a boolean');
    this._debug = enabled;
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return this._debug;
  }

  /** Hook: runForever() starts (see the file comment). */
  protected _onRunStart(): void {}

  /** Hook: runForever() ends (see the file comment). */
  protected _onRunStop(): void {}

  /** Hook: the start of each iteration (see the file comment). */
  protected _processEvents(): void {}

  /**
   * @hidden For the other packages of this project (kept in the .d.ts). For an event source that just delivered events on Node's I/O
   * callback (the proactor, after a batch of completions): an idle running
   * loop runs its iteration now instead of on the next setImmediate. This
   * is asyncio's order (select() returns, events are processed, the ready
   * callbacks run) without the hop through Node's check phase.
   */
  _iterateNow(): void {
    this._inEvents = false;
    if (!this._running || this._iterating) {
      // Callbacks scheduled while the events were delivered still need
      // their wake-up (a loop that is not running arms none).
      this._wakeup();
      return;
    }
    this._iterate();
  }

  /**
   * @hidden For the other packages of this project. An event source starts delivering a batch that ends with
   * _iterateNow(): until then callSoon() arms no setImmediate (the
   * iteration runs right after the batch anyway).
   */
  _eventsBegin(): void {
    this._inEvents = true;
  }

  /** Makes an idle running loop iterate soon (a no-op if it is not running). */
  _wakeup(): void {
    if (!this._running || this._iterating || this._immediate !== null || this._inEvents) return;
    this._immediate = setImmediate(this._onImmediate);
  }

  private _checkClosed(): void {
    if (this._closed) throw new RuntimeError('Event loop is closed');
  }

  // Port of base_events.py BaseEventLoop._check_closed and _check_running.
  /** @hidden For the other packages of this project: the error that keeps the loop from running now, or null. */
  _refuseToRun(): RuntimeError | null {
    if (this._closed) return new RuntimeError('Event loop is closed');
    if (this._running) return new RuntimeError('This event loop is already running');
    if (getRunningLoopOrNull() !== null) {
      return new RuntimeError('Cannot run the event loop while another loop is running');
    }
    return null;
  }

  // Port of base_events.py BaseEventLoop._check_callback.
  private _checkCallback(callback: unknown, method: string): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`${method}(): callback must be a function, got ${formatValue(callback)}`);
    }
    if ((callback as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'AsyncFunction') {
      throw new TypeError(`coroutines cannot be used with ${method}(); use createTask()`);
    }
  }

  private readonly _onImmediate = (): void => {
    this._immediate = null;
    this._iterate();
  };

  private readonly _onTimer = (): void => {
    this._timer = null;
    this._timerDeadline = NaN;
    this._iterate();
  };

  /** One asyncio _run_once(), then arm the next one or finish the run. */
  private _iterate(): void {
    if (!this._running) return;
    if (this._immediate !== null) {
      clearImmediate(this._immediate);
      this._immediate = null;
    }
    this._iterating = true;
    try {
      outsideTasks(this._collectBatch);
    } catch (error) {
      this._iterating = false;
      this._finishRun(true, error);
      return;
    }
    this._runBatch();
  }

  // Port of base_events.py BaseEventLoop._run_once, after select(): due
  // timers join the ready callbacks, which become this iteration's batch.
  private readonly _collectBatch = (): void => {
    this._processEvents();
    const heap = this._scheduled;
    const now = this.time();
    for (let head = heap.peek(); head !== undefined && head._when <= now; head = heap.peek()) {
      heap.pop();
      head._scheduled = false;
      if (head._cancelled) this._timerCancelledCount -= 1;
      else this._ready.push(head);
    }
    this._batch = this._ready;
    this._batchNext = 0;
    this._ready = [];
  };

  /** Runs the batch up to its end or a Task step; then ends the iteration, or waits for the step. */
  private readonly _runBatch = (): void => {
    this._inStep = false;
    try {
      outsideTasks(this._runHandles);
    } catch (error) {
      // Only if something escaped a callback's guard: keep what did not run.
      this._ready = this._batch.slice(this._batchNext).concat(this._ready);
      this._batch = [];
      this._iterating = false;
      this._finishRun(true, error);
      return;
    }
    if (this._inStep) {
      // The step's microtasks run first; this microtask's nextTick runs
      // once they are all done (see the file comment).
      void RESOLVED.then(this._afterStep);
      return;
    }
    this._batch = [];
    this._iterating = false;
    if (this._stopping) this._finishRun(false, undefined);
    else this._armWake();
  };

  private readonly _afterStep = (): void => {
    process.nextTick(this._runBatch);
  };

  // Port of base_events.py BaseEventLoop._run_once: the callbacks run.
  private readonly _runHandles = (): void => {
    const batch = this._batch;
    while (this._batchNext < batch.length) {
      const handle = batch[this._batchNext++];
      if (handle._cancelled) continue;
      if (this._debug) this._runTimed(handle);
      else handle._run();
      if (handle._taskStep) {
        this._inStep = true;
        return;
      }
    }
  };

  private _runTimed(handle: Handle): void {
    const t0 = this.time();
    handle._run();
    const dt = this.time() - t0;
    if (dt >= this.slowCallbackDuration) {
      logger.warn(`Executing ${handle.toString()} took ${dt.toFixed(3)} ms`);
    }
  }

  // Port of base_events.py BaseEventLoop._run_once, before select(): drop
  // cancelled timers, then wait (on Node's loop) as long as select() would.
  private _armWake(): void {
    const heap = this._scheduled;
    this._timerCancelledCount = heap.dropCancelled(this._timerCancelledCount);
    const head = heap.peek();
    if (this._ready.length > 0 || this._stopping || (head && head._when <= this.time())) {
      this._wakeup();
      return;
    }
    const deadline = head === undefined ? Infinity : head._when;
    if (this._timer !== null && this._timerDeadline === deadline) return;
    if (this._timer !== null) clearTimeout(this._timer);
    const delay = Math.min(Math.max(Math.ceil(deadline - this.time()), 1), MAXIMUM_WAIT_MS);
    this._timer = setTimeout(this._onTimer, delay);
    this._timerDeadline = deadline;
  }

  private _clearNodeWake(): void {
    if (this._immediate !== null) clearImmediate(this._immediate);
    if (this._timer !== null) clearTimeout(this._timer);
    this._immediate = null;
    this._timer = null;
    this._timerDeadline = NaN;
  }

  private _finishRun(failed: boolean, failure: unknown): void {
    this._clearNodeWake();
    let hookFailure: unknown = undefined;
    let hookFailed = false;
    try {
      this._onRunStop();
    } catch (error) {
      hookFailed = true;
      hookFailure = error;
    }
    this._running = false;
    this._stopping = false;
    setRunningLoop(null);
    const settle = this._settleRun;
    this._settleRun = null;
    if (failed) settle?.reject(failure);
    else if (hookFailed) settle?.reject(hookFailure);
    else settle?.resolve();
  }
}
