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
//
// The class of the shared loop follows the meta-package's event loop
// policy: setSharedLoopFactory() (which iocp's setEventLoopPolicy calls)
// makes it, for instance, a SelectorEventLoop. The bookkeeping lives in
// on-demand.ts so that any loop class can use it. Calls that need a
// proactor (the pipe helpers) then refuse with a RuntimeError that names
// the policy's loop, unless a proactor loop runs.
import { RuntimeError, getRunningLoopOrNull } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

import { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { BaseProtocol, ProtocolFactory } from '../protocols';
import type { DatagramTransport } from '../transports/types';
import type { StreamsLoop } from '../streams/open-connection';
import { onDemand } from './on-demand';
import type { OnDemandLoop } from './on-demand';
import type { CreateDatagramEndpointOptions } from './options';
import { registerSharedLoop } from './shared-loop-refusal';

export type { OnDemandLoop, OnDemandHost, OnDemandMembers } from './on-demand';
export { OnDemandState, onDemand } from './on-demand';

/** A loop with the connection helpers the loop-less calls use (a proactor or a selector loop). */
export interface ConnectionsLoop extends StreamsLoop {
  createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    opts?: CreateDatagramEndpointOptions,
  ): Promise<[DatagramTransport, P]>;
}

/** A shared on-demand loop: its bookkeeping and the connection helpers. */
export type SharedLoop = OnDemandLoop & ConnectionsLoop;

/** The loop plain calls run on by default (see the file comment). */
export class SharedProactorEventLoop extends onDemand(BaseProactorEventLoop, (loop, closing) => idleClosing(loop, closing)) {
  /** @internal The proactor's operations that something awaits. */
  override _pendingOperations(): number {
    return this._proactor._awaitedOperations();
  }
}

let shared: SharedLoop | null = null;
/** The close of the last shared loop that went idle, while it runs. */
let closingShared: Promise<void> | null = null;
/** Makes the shared loop; null: a SharedProactorEventLoop. */
let sharedLoopFactory: (() => SharedLoop) | null = null;
/** The loops made as shared loops (holdWhile holds only those). */
const sharedLoops = new WeakSet<BaseEventLoop>();

/**
 * @internal An on-demand loop went idle and closes: it stops being the
 * shared loop, and sharedLoopIdle() waits for the close.
 */
export function idleClosing(loop: BaseEventLoop, closing: Promise<void>): void {
  if (shared === loop) shared = null;
  closingShared = closing;
  void closing.then(() => {
    if (closingShared === closing) closingShared = null;
  });
}

/**
 * Sets what makes the shared loop of plain calls (null: a
 * SharedProactorEventLoop). The loop it returns must do the on-demand
 * bookkeeping (OnDemandState, as SharedProactorEventLoop does). The shared
 * loop in use now, if any, stays until it goes idle and closes.
 */
export function setSharedLoopFactory(factory: (() => SharedLoop) | null): void {
  if (factory !== null && typeof factory !== 'function') throw new TypeError('factory must be a function or null');
  sharedLoopFactory = factory;
  if (shared !== null && !shared.isRunning() && shared._holdCount === 0) {
    // Not in use: the next plain call makes one of the new kind.
    const old = shared;
    shared = null;
    idleClosing(old, old.close());
  }
}

/** The shared loop of this thread, made on first use (again if it was closed). */
export function sharedLoop(): SharedLoop {
  if (shared === null || shared.isClosed()) {
    const loop = sharedLoopFactory !== null ? sharedLoopFactory() : new SharedProactorEventLoop();
    shared = loop;
    sharedLoops.add(loop);
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
 * The loop a loop-less call that needs a proactor runs on: the running
 * loop if it is a BaseProactorEventLoop (the shared loop itself when it
 * runs), else the shared loop when no loop runs. Throws RuntimeError when
 * another kind of loop runs, or when the shared loop is not a proactor
 * loop (the event loop policy made it a selector loop).
 */
export function loopForCall(what = 'this call'): BaseProactorEventLoop {
  const running = getRunningLoopOrNull();
  const loop = running ?? sharedLoop();
  if (loop instanceof BaseProactorEventLoop) return loop;
  if (running === null) {
    throw new RuntimeError(
      `${what} needs a BaseProactorEventLoop, but the shared loop of plain calls is ${String(loop)} (the event loop policy's); ` +
        'call it from a running proactor loop, or set the proactor policy',
    );
  }
  throw new RuntimeError(
    `${what} needs a BaseProactorEventLoop, but ${String(running)} is running; call it from a proactor loop or with no loop running`,
  );
}

function isConnectionsLoop(loop: unknown): loop is ConnectionsLoop {
  const l = loop as ConnectionsLoop | null;
  return (
    typeof l === 'object' &&
    l !== null &&
    typeof l.createConnection === 'function' &&
    typeof l.createServer === 'function' &&
    typeof l.createDatagramEndpoint === 'function'
  );
}

/**
 * The loop a loop-less connection helper (createConnection, createServer,
 * createDatagramEndpoint, the streams) runs on: the running loop if it has
 * those methods (a proactor or a selector loop), else the shared loop when
 * no loop runs. Throws RuntimeError when a loop without them runs.
 */
export function connectionsLoopForCall(what = 'this call'): ConnectionsLoop {
  const running = getRunningLoopOrNull();
  if (running === null) return sharedLoop();
  if (isConnectionsLoop(running)) return running;
  throw new RuntimeError(
    `${what} needs a BaseProactorEventLoop, but ${String(running)} is running (or a loop with createConnection, createServer and createDatagramEndpoint)`,
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
export function holdWhile<T>(loop: BaseEventLoop, fn: () => Promise<T>): Promise<T> {
  if (!sharedLoops.has(loop)) return fn();
  const onDemand = loop as OnDemandLoop;
  const promise = fn();
  onDemand._hold();
  return promise.finally(() => onDemand._release());
}
