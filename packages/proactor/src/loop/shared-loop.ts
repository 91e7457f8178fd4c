// The shared on-demand loop: what plain Node code (no loop run by hand)
// runs on. Module functions such as createConnection(), createServer() and
// the streams' openConnection()/startServer() called with no running loop
// use it; it runs while it has something to do and stops (letting the
// process exit) when nothing is open.
//
// How it decides to run. A count of holds: every transport and every
// serving listening socket of the loop holds it from its _resourceOpened()
// to its _resourceClosed() (the transports and _startServing call them once
// each), and an operation in flight (a DNS lookup, a connect) holds it
// through holdWhile(). The loop runs (runForever) from the first hold; at
// the start of each iteration with no hold left it queues a stop check,
// which stops the loop only if no other callback was queued after it and no
// timer is pending (so an `await` on one of its futures is never stranded).
// A callback queued while it is stopped (a future of this loop settled from
// a microtask) starts it again. A stopped loop keeps nothing alive: the
// base loop drops its Node timer, and the proactor keeps the process alive
// only while operations are pending. A loop that stops with nothing left
// at all closes (releasing its proactor's fds); the next plain call makes
// a new one.
//
// For other modules (the streams helpers), the calling convention:
//   const loop = loopForCall();          // the running proactor loop, or the shared one
//   return holdWhile(loop, () => loop.createConnection(...));
// holdWhile does nothing for a loop that is not the shared one.
//
// One loop runs at a time (per thread; worker threads each have their own
// shared loop, as module state is per worker). While the shared loop runs
// (something made from plain code is open), starting a loop of your own
// fails with RuntimeError 'Cannot run the event loop while another loop is
// running': close what the plain calls opened first and await
// sharedLoopIdle() (after the last close the loop stops at its next
// iteration), or make everything from inside your own loop (calls made
// while a BaseProactorEventLoop runs use that loop). A call made while a
// loop that is not a BaseProactorEventLoop runs throws a RuntimeError
// naming that loop.
import { RuntimeError, getRunningLoopOrNull, logger } from '@iocp/futures';
import type { Callback, Handle, TimerHandle } from '@iocp/futures';

import { BaseProactorEventLoop } from '../base-proactor-event-loop';
import { registerSharedLoop } from './shared-loop-refusal';

/** The loop plain calls run on (see the file comment). */
export class SharedProactorEventLoop extends BaseProactorEventLoop {
  private _holds = 0;
  private _run: Promise<void> | null = null;
  /** Timers not yet run or cancelled (pruned by the stop check). */
  private readonly _timers = new Set<TimerHandle>();
  /** callSoon() calls so far; compared to see whether anything was queued meanwhile. */
  private _soonCalls = 0;
  /** _soonCalls when the pending stop check was queued (-1: none queued). */
  private _checkMark = -1;
  /** _soonCalls when the loop was stopped: more calls since then mean run again. */
  private _stopMark = 0;
  /** Resolved when the loop stops with nothing left to do (see whenIdle()). */
  private _idleWaiters: Array<() => void> = [];

  override toString(): string {
    return `<SharedProactorEventLoop running=${this.isRunning()} holds=${this._holds}>`;
  }

  /** @internal Holds held now (open transports, serving sockets, operations in flight). */
  get _holdCount(): number {
    return this._holds;
  }

  override _resourceOpened(): void {
    this._hold();
  }

  override _resourceClosed(): void {
    this._release();
  }

  /** @internal Keeps the loop running until the matching _release(). */
  _hold(): void {
    this._holds += 1;
    this._ensureRunning();
  }

  /** @internal Ends one _hold(). */
  _release(): void {
    if (this._holds === 0)
      throw new RuntimeError('SharedProactorEventLoop released more often than held');
    this._holds -= 1;
    if (this._holds === 0) this._queueStopCheck();
  }

  override callSoon<A extends unknown[]>(callback: Callback<A>, ...args: A): Handle {
    this._soonCalls += 1;
    const handle = super.callSoon(callback, ...args);
    if (this._run === null) this._ensureRunning();
    return handle;
  }

  override callAt<A extends unknown[]>(
    when: number,
    callback: Callback<A>,
    ...args: A
  ): TimerHandle {
    const handle = super.callAt(when, callback, ...args);
    this._timers.add(handle);
    if (this._run === null) this._ensureRunning();
    return handle;
  }

  protected override _processEvents(): void {
    super._processEvents();
    if (this._holds === 0) this._queueStopCheck();
  }

  /** Queues the stop check (once) if the loop runs. */
  private _queueStopCheck(): void {
    if (this._checkMark >= 0 || this._run === null || !this.isRunning()) return;
    super.callSoon(this._stopCheck);
    this._checkMark = this._soonCalls;
  }

  private readonly _stopCheck = (): void => {
    const mark = this._checkMark;
    this._checkMark = -1;
    if (this._holds > 0) return;
    // Callbacks queued after this check run first, then the check comes
    // again. It is queued here, not left to the next iteration's
    // _processEvents: those callbacks may be in this very batch, after which
    // an idle loop has no next iteration, and would run on, holding nothing.
    if (this._soonCalls !== mark) {
      this._queueStopCheck();
      return;
    }
    for (const t of this._timers) {
      if (t.cancelled() || !t._scheduled) this._timers.delete(t);
    }
    if (this._timers.size > 0) return;
    this._stopMark = this._soonCalls;
    this.stop();
  };

  private _ensureRunning(): void {
    if (this._run !== null || this.isClosed()) return;
    const other = getRunningLoopOrNull();
    // Another loop runs: the work waits until the shared loop can run again
    // (loopForCall() never picks the shared loop while another loop runs).
    if (other !== null && other !== this) return;
    this._run = this.runForever().then(
      () => this._afterRun(),
      (err: unknown) => {
        logger.error(`The shared loop stopped with an error: ${String(err)}`);
        this._afterRun();
      },
    );
  }

  private _afterRun(): void {
    this._run = null;
    this._checkMark = -1;
    for (const t of this._timers) {
      if (t.cancelled() || !t._scheduled) this._timers.delete(t);
    }
    const busy = this._holds > 0 || this._soonCalls !== this._stopMark || this._timers.size > 0;
    if (busy) {
      this._ensureRunning();
      if (this._run !== null) return;
    }
    // Idle: nothing open, queued or pending. The loop closes (its proactor
    // releases its ring or epoll fd and its eventfd) and the next plain
    // call makes a new one, so a process keeps no fd for plain calls it no
    // longer makes.
    const waiters = this._idleWaiters.splice(0);
    const wake = (): void => {
      for (const resolve of waiters) resolve();
    };
    if (!busy && this._proactor._awaitedOperations() === 0) {
      if (shared === this) shared = null;
      const closing = this.close().then(wake, (err: unknown) => {
        logger.error(`Closing the idle shared loop failed: ${String(err)}`);
        wake();
      });
      closingShared = closing;
      void closing.then(() => {
        if (closingShared === closing) closingShared = null;
      });
      return;
    }
    wake();
  }

  /**
   * Resolves once the loop is not running (at once if it is not): after the
   * last close it stops at its next iteration, so code that wants to run a
   * loop of its own right after can wait for this first.
   */
  whenIdle(): Promise<void> {
    if (this._run === null) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }
}

let shared: SharedProactorEventLoop | null = null;
/** The close of the last shared loop that went idle, while it runs. */
let closingShared: Promise<void> | null = null;

/** The shared loop of this thread, made on first use (again if it was closed). */
export function sharedLoop(): SharedProactorEventLoop {
  if (shared === null || shared.isClosed()) {
    const loop = new SharedProactorEventLoop();
    shared = loop;
    registerSharedLoop({ loop, holds: () => loop._holdCount });
  }
  return shared;
}

/** Resolves once the shared loop is not running (and, if it went idle, closed: its fds released). */
export function sharedLoopIdle(): Promise<void> {
  if (shared !== null) return shared.whenIdle();
  return closingShared ?? Promise.resolve();
}

/**
 * The loop a loop-less call runs on: the running loop if it is a
 * BaseProactorEventLoop (the shared loop itself when it runs), else the
 * shared loop when no loop runs. Throws RuntimeError when another kind of
 * loop runs.
 */
export function loopForCall(what = 'this call'): BaseProactorEventLoop {
  const running = getRunningLoopOrNull();
  if (running === null) return sharedLoop();
  if (running instanceof BaseProactorEventLoop) return running;
  throw new RuntimeError(
    `${what} needs a BaseProactorEventLoop, but ${String(running)} is running; call it from a proactor loop or with no loop running`,
  );
}

/**
 * Runs `fn` (an operation on `loop`) and holds the shared loop until the
 * promise it returns settles; for any other loop just runs `fn`. A
 * synchronous throw of `fn` (a bad argument) takes no hold. The hold is
 * taken right after `fn` returns: an operation's futures settle only while
 * the loop runs, and a future of a loop that is not running yet waits for
 * it (the shared loop also starts on any callSoon).
 */
export function holdWhile<T>(loop: BaseProactorEventLoop, fn: () => Promise<T>): Promise<T> {
  if (!(loop instanceof SharedProactorEventLoop)) return fn();
  const promise = fn();
  loop._hold();
  return promise.finally(() => loop._release());
}
