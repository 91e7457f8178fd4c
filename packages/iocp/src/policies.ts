// Port of asyncio/events.py (BaseDefaultEventLoopPolicy and the module
// functions get_event_loop_policy, set_event_loop_policy, get_event_loop,
// set_event_loop, new_event_loop) and of the policies of
// windows_events.py: WindowsProactorEventLoopPolicy (the default, as on
// Windows since Python 3.8) and WindowsSelectorEventLoopPolicy.
//
// CPython keeps the current loop per thread; here module state is per
// thread already (each worker thread loads its own copy), so one field is
// that per-thread state.
import { RuntimeError, getRunningLoopOrNull } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import { isMainThread } from 'node:worker_threads';

import { ProactorEventLoop } from './proactor-event-loop';
import { SelectorEventLoop } from './selector/selector-event-loop';
import { installSharedLoopFactory } from './shared-loop-policy';

/** asyncio.AbstractEventLoopPolicy. */
export interface EventLoopPolicy {
  getEventLoop(): BaseEventLoop;
  setEventLoop(loop: BaseEventLoop | null): void;
  newEventLoop(): BaseEventLoop;
}

function isLoop(loop: unknown): loop is BaseEventLoop {
  const l = loop as BaseEventLoop | null;
  return typeof l === 'object' && l !== null && typeof l.runForever === 'function' && typeof l.callSoon === 'function' && typeof l.close === 'function';
}

// Port of events.py BaseDefaultEventLoopPolicy.
/** A policy whose loops come from `_loopFactory()`; the current loop is per thread. */
export abstract class BaseDefaultEventLoopPolicy implements EventLoopPolicy {
  private _loop: BaseEventLoop | null = null;
  private _setCalled = false;

  /** Makes a new loop of this policy's class. */
  protected abstract _loopFactory(): BaseEventLoop;

  /**
   * The current loop. In the main thread, a first call with no loop set
   * (and setEventLoop never called) makes one; otherwise none set throws
   * RuntimeError, as in CPython.
   */
  getEventLoop(): BaseEventLoop {
    if (this._loop === null && !this._setCalled && isMainThread) {
      this.setEventLoop(this.newEventLoop());
    }
    if (this._loop === null) {
      throw new RuntimeError(`There is no current event loop in thread ${isMainThread ? "'MainThread'" : 'a worker thread'}.`);
    }
    return this._loop;
  }

  /** Sets the current loop (null: none). */
  setEventLoop(loop: BaseEventLoop | null): void {
    this._setCalled = true;
    // Duck-typed, not instanceof: a second copy of @iocp/futures (two
    // installs) makes loops that are loops all the same.
    if (loop !== null && !isLoop(loop)) {
      throw new TypeError(`loop must be an instance of BaseEventLoop or null, not ${typeof loop}`);
    }
    this._loop = loop;
  }

  /** A new loop of this policy's class (not made current). */
  newEventLoop(): BaseEventLoop {
    return this._loopFactory();
  }
}

// Port of windows_events.py WindowsSelectorEventLoopPolicy.
/** Loops are SelectorEventLoops (Node's net, dgram, child_process; no addon I/O). */
export class WindowsSelectorEventLoopPolicy extends BaseDefaultEventLoopPolicy {
  protected _loopFactory(): SelectorEventLoop {
    return new SelectorEventLoop();
  }
  override getEventLoop(): SelectorEventLoop {
    return super.getEventLoop() as SelectorEventLoop;
  }
  override newEventLoop(): SelectorEventLoop {
    return super.newEventLoop() as SelectorEventLoop;
  }
}

// Port of windows_events.py WindowsProactorEventLoopPolicy.
/** Loops are ProactorEventLoops (IOCP; io_uring or epoll on Linux). */
export class WindowsProactorEventLoopPolicy extends BaseDefaultEventLoopPolicy {
  protected _loopFactory(): ProactorEventLoop {
    return new ProactorEventLoop();
  }
  override getEventLoop(): ProactorEventLoop {
    return super.getEventLoop() as ProactorEventLoop;
  }
  override newEventLoop(): ProactorEventLoop {
    return super.newEventLoop() as ProactorEventLoop;
  }
}

/** windows_events.py: DefaultEventLoopPolicy = WindowsProactorEventLoopPolicy. */
export const DefaultEventLoopPolicy = WindowsProactorEventLoopPolicy;
export type DefaultEventLoopPolicy = WindowsProactorEventLoopPolicy;

let policy: EventLoopPolicy | null = null;

function isPolicy(p: unknown): p is EventLoopPolicy {
  const q = p as EventLoopPolicy | null;
  return (
    typeof q === 'object' &&
    q !== null &&
    typeof q.getEventLoop === 'function' &&
    typeof q.setEventLoop === 'function' &&
    typeof q.newEventLoop === 'function'
  );
}

// Port of events.py get_event_loop_policy (and _init_event_loop_policy).
/** The current policy (a DefaultEventLoopPolicy until one is set). */
export function getEventLoopPolicy(): EventLoopPolicy {
  if (policy === null) policy = new DefaultEventLoopPolicy();
  return policy;
}

// Port of events.py set_event_loop_policy.
/**
 * Sets the policy (null: the default again). The on-demand loop of plain
 * async code (openConnection, createConnection, startServer, ... called
 * with no loop running) follows it: a SelectorEventLoop under
 * WindowsSelectorEventLoopPolicy (or a policy of yours whose loops are
 * SelectorEventLoops), the proactor loop otherwise.
 */
export function setEventLoopPolicy(p: EventLoopPolicy | null): void {
  if (p !== null && !isPolicy(p)) {
    throw new TypeError(
      `policy must be an event loop policy (with getEventLoop, setEventLoop and newEventLoop) or null, not ${typeof p}`,
    );
  }
  policy = p;
  installSharedLoopFactory(p instanceof WindowsSelectorEventLoopPolicy ? 'selector' : 'proactor');
}

// Port of events.py get_event_loop: the running loop, else the policy's.
/** The running loop, else the policy's current loop. */
export function getEventLoop(): BaseEventLoop {
  return getRunningLoopOrNull() ?? getEventLoopPolicy().getEventLoop();
}

/** Port of events.py set_event_loop: the policy's setEventLoop. */
export function setEventLoop(loop: BaseEventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/** Port of events.py new_event_loop: a new loop from the policy. */
export function newEventLoop(): BaseEventLoop {
  return getEventLoopPolicy().newEventLoop();
}
