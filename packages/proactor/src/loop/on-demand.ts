// The bookkeeping of an on-demand loop (see shared-loop.ts): holds, the
// stop check and the restart, for any loop class. SharedProactorEventLoop
// uses it; so can a loop of another class (the meta-package's selector
// loop, through setSharedLoopFactory) without this package knowing it.
// This module imports no loop class and nothing native.
import { RuntimeError, getRunningLoopOrNull, logger } from '@iocp/futures';
import type { BaseEventLoop, Callback, Handle, TimerHandle } from '@iocp/futures';

/** What an on-demand loop offers the helpers (holdWhile, sharedLoopIdle, the refusal message). */
export interface OnDemandLoop extends BaseEventLoop {
  /** @hidden Keeps the loop running until the matching _release(). */
  _hold(): void;
  /** @hidden Ends one _hold(). */
  _release(): void;
  /** @hidden Holds held now. */
  readonly _holdCount: number;
  /** Resolves once the loop is not running (at once if it is not). */
  whenIdle(): Promise<void>;
}

/** What OnDemandState needs of its loop beyond BaseEventLoop. */
export interface OnDemandHost extends BaseEventLoop {
  /** callSoon without the on-demand counting (the stop check queues itself with it). */
  _uncountedCallSoon(callback: Callback<[]>): Handle;
  /** Operations in flight that still need the loop (a proactor's awaited operations). */
  _pendingOperations(): number;
}

/**
 * @hidden The state machine of an on-demand loop: the host calls
 * beforeCallSoon/afterCallSoon around callSoon, afterCallAt after callAt,
 * processEvents at the start of each iteration, hold/release for holds.
 * `onIdle(closing)` is told when the loop went idle and closes (or null
 * when it stopped but cannot close yet).
 */
export class OnDemandState {
  holds = 0;
  private _run: Promise<void> | null = null;
  private readonly _timers = new Set<TimerHandle>();
  private _soonCalls = 0;
  private _checkMark = -1;
  private _stopMark = 0;
  private _idleWaiters: Array<() => void> = [];

  constructor(
    private readonly _loop: OnDemandHost,
    private readonly _onIdleClose: (closing: Promise<void>) => void,
  ) {}

  get running(): boolean {
    return this._run !== null;
  }

  hold(): void {
    this.holds += 1;
    this.ensureRunning();
  }

  release(what: string): void {
    if (this.holds === 0) throw new RuntimeError(`${what} released more often than held`);
    this.holds -= 1;
    if (this.holds === 0) this._queueStopCheck();
  }

  beforeCallSoon(): void {
    this._soonCalls += 1;
  }

  afterCallSoon(): void {
    if (this._run === null) this.ensureRunning();
  }

  afterCallAt(handle: TimerHandle): void {
    this._timers.add(handle);
    if (this._run === null) this.ensureRunning();
  }

  processEvents(): void {
    if (this.holds === 0) this._queueStopCheck();
  }

  /** Queues the stop check (once) if the loop runs. */
  private _queueStopCheck(): void {
    if (this._checkMark >= 0 || this._run === null || !this._loop.isRunning()) return;
    this._loop._uncountedCallSoon(this._stopCheck);
    this._checkMark = this._soonCalls;
  }

  private readonly _stopCheck = (): void => {
    const mark = this._checkMark;
    this._checkMark = -1;
    if (this.holds > 0) return;
    // Callbacks queued after this check run first, then the check comes
    // again. It is queued here, not left to the next iteration's
    // processEvents: those callbacks may be in this very batch, after which
    // an idle loop has no next iteration, and would run on, holding nothing.
    if (this._soonCalls !== mark) {
      this._queueStopCheck();
      return;
    }
    this._pruneTimers();
    if (this._timers.size > 0) return;
    this._stopMark = this._soonCalls;
    this._loop.stop();
  };

  private _pruneTimers(): void {
    for (const t of this._timers) {
      if (t.cancelled() || !t._scheduled) this._timers.delete(t);
    }
  }

  ensureRunning(): void {
    if (this._run !== null || this._loop.isClosed()) return;
    const other = getRunningLoopOrNull();
    // Another loop runs: the work waits until this loop can run again.
    if (other !== null && other !== this._loop) return;
    this._run = this._loop.runForever().then(
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
    this._pruneTimers();
    const busy = this.holds > 0 || this._soonCalls !== this._stopMark || this._timers.size > 0;
    if (busy) {
      this.ensureRunning();
      if (this._run !== null) return;
    }
    // Idle: nothing open, queued or pending. The loop closes (releasing its
    // fds) and the next plain call makes a new one.
    const waiters = this._idleWaiters.splice(0);
    const wake = (): void => {
      for (const resolve of waiters) resolve();
    };
    if (!busy && this._loop._pendingOperations() === 0) {
      const closing = this._loop.close().then(wake, (err: unknown) => {
        logger.error(`Closing the idle shared loop failed: ${String(err)}`);
        wake();
      });
      this._onIdleClose(closing);
      return;
    }
    wake();
  }

  whenIdle(): Promise<void> {
    if (this._run === null) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }
}

/** @hidden What onDemand() adds to a loop class (its return type names them, so the base's private members stay out of the declaration). */
export interface OnDemandMembers extends OnDemandLoop, OnDemandHost {
  /** @hidden */
  readonly _onDemand: OnDemandState;
}

/** What a loop class needs for onDemand(): the resource hooks the transports call. */
interface ResourceCountingLoop extends BaseEventLoop {
  _resourceOpened(): void;
  _resourceClosed(): void;
}

/**
 * @hidden Makes a loop class an on-demand loop (OnDemandLoop over an
 * OnDemandState): the one implementation behind SharedProactorEventLoop and
 * the meta-package's SharedSelectorEventLoop. Every transport and serving
 * socket holds the loop from _resourceOpened to _resourceClosed; every
 * callSoon/callAt may start it; each iteration may queue the stop check.
 * `onIdleClose(loop, closing)` is told when the loop went idle and closes.
 * The subclass says which operations in flight still need the loop
 * (_pendingOperations).
 */
export function onDemand<TBase extends abstract new (...args: any[]) => ResourceCountingLoop>(
  Base: TBase,
  onIdleClose: (loop: BaseEventLoop, closing: Promise<void>) => void,
): TBase & (abstract new (...args: any[]) => OnDemandMembers) {
  abstract class OnDemand extends Base implements OnDemandLoop, OnDemandHost {
    /** @internal */
    readonly _onDemand: OnDemandState = new OnDemandState(this, (closing) => onIdleClose(this, closing));

    override toString(): string {
      return `<${this.constructor.name} running=${this.isRunning()} holds=${this._onDemand.holds}>`;
    }

    /** @internal Holds held now (open transports, serving sockets, operations in flight). */
    get _holdCount(): number {
      return this._onDemand.holds;
    }

    override _resourceOpened(): void {
      this._onDemand.hold();
    }

    override _resourceClosed(): void {
      this._onDemand.release(this.constructor.name);
    }

    /** @internal Keeps the loop running until the matching _release(). */
    _hold(): void {
      this._onDemand.hold();
    }

    /** @internal Ends one _hold(). */
    _release(): void {
      this._onDemand.release(this.constructor.name);
    }

    /** @internal */
    _uncountedCallSoon(callback: Callback<[]>): Handle {
      return super.callSoon(callback);
    }

    /** @internal Operations in flight that still need the loop. */
    abstract _pendingOperations(): number;

    override callSoon<A extends unknown[]>(callback: Callback<A>, ...args: A): Handle {
      this._onDemand.beforeCallSoon();
      const handle = super.callSoon(callback, ...args);
      this._onDemand.afterCallSoon();
      return handle;
    }

    override callAt<A extends unknown[]>(when: number, callback: Callback<A>, ...args: A): TimerHandle {
      const handle = super.callAt(when, callback, ...args);
      this._onDemand.afterCallAt(handle);
      return handle;
    }

    protected override _processEvents(): void {
      super._processEvents();
      this._onDemand.processEvents();
    }

    /**
     * Resolves once the loop is not running (at once if it is not): after the
     * last close it stops at its next iteration, so code that wants to run a
     * loop of its own right after can wait for this first.
     */
    whenIdle(): Promise<void> {
      return this._onDemand.whenIdle();
    }
  }
  return OnDemand;
}
