// How a Future hands its outcome to then() handlers and done callbacks.
//
// `await future` does not come here (future.ts: the engine awaits the
// future's native promise), but Promise.all/race, other thenable users and
// explicit .then() calls do. then() makes no closure
// per call (outside a Task): on a done future then() returns a native
// promise chain; on a pending one it leaves an Awaiter (the handlers and
// the resolving functions of the promise it returned) among the done
// callbacks, settled in order with them: through loop.callSoon for a loop
// future, on one microtask for a loop-less one. Handlers never run before
// then() returns, as with a promise: `future.then(cb)` may be user code
// counting on that, and nothing cheap tells the engine's resolve function
// from a user's arrow function. Microtasks are promise reactions, never
// queueMicrotask(), which on Node 20 makes an AsyncResource per call.
import { logExceptionContext } from './exception-context';
import { formatCallback } from './format';
import { isThenable } from './handle';
import { outsideTasks, tasksActive } from './task-context';
import { taskWakeup } from './task-step';
import type { DoneCallback, Future } from './future';
import type { Task } from './task';

type OnFulfilled = ((value: any) => unknown) | null | undefined;
type OnRejected = ((reason: any) => unknown) | null | undefined;

/** A settled promise: `SETTLED.then(fn)` runs `fn` as a microtask. */
const SETTLED = Promise.resolve();

/** What then() leaves on a pending future: how to settle the promise it returned. */
export class Awaiter {
  constructor(
    readonly onfulfilled: OnFulfilled,
    readonly onrejected: OnRejected,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    /** The Task whose own await this is (task-step.ts), if any. */
    readonly task: Task<unknown> | undefined,
  ) {}
}

/** A done callback, or an Awaiter left by then(). */
export type CallbackEntry = DoneCallback<any> | Awaiter;

// new Promise(takeResolvers) hands over the resolving functions without a
// closure per call: the executor runs synchronously, inside the constructor.
// addAwaiter() puts NOOP back at once: a module variable left holding the
// last ones would keep that promise, the code awaiting it and its Task
// alive (a Task nothing can resume must be collectable, see task-registry.ts).
const NOOP = (): undefined => undefined;
let takenResolve: (value: unknown) => void = NOOP;
let takenReject: (reason: unknown) => void = NOOP;
function takeResolvers(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  takenResolve = resolve;
  takenReject = reject;
}

/** then() on a pending future: records the handlers, returns the promise they settle. */
export function addAwaiter<R>(
  future: Future<any>,
  onfulfilled: OnFulfilled,
  onrejected: OnRejected,
  task: Task<unknown> | undefined,
): Promise<R> {
  const promise = new Promise(takeResolvers) as Promise<R>;
  (future._callbacks ??= []).push(
    new Awaiter(onfulfilled, onrejected, takenResolve, takenReject, task),
  );
  takenResolve = takenReject = NOOP;
  return promise;
}

/** An awaiter for `task` that is not left on a future (it is settled by a wakeup); and its promise. */
export function newTaskAwaiter(
  onfulfilled: OnFulfilled,
  onrejected: OnRejected,
  task: Task<unknown>,
): [Promise<unknown>, Awaiter] {
  const promise = new Promise(takeResolvers);
  const awaiter = new Awaiter(onfulfilled, onrejected, takenResolve, takenReject, task);
  takenResolve = takenReject = NOOP;
  return [promise, awaiter];
}

// Named for toString(): `<Future pending cb=[resumeAwaiter()]>`.
/** Settles the promise then() returned, now that `future` is done (a loop callback or microtask). */
export function resumeAwaiter(future: Future<any>, awaiter: Awaiter): void {
  if (awaiter.task !== undefined) taskWakeup(awaiter.task, future, awaiter);
  else settleAwaiter(future, awaiter);
}

/** Settles an awaiter's promise with `error` (through its onrejected handler, if any). */
export function rejectAwaiter(awaiter: Awaiter, error: unknown): void {
  try {
    const onrejected = awaiter.onrejected;
    if (typeof onrejected === 'function') awaiter.resolve(onrejected(error));
    else awaiter.reject(error);
  } catch (thrown) {
    awaiter.reject(thrown);
  }
}

/** Settles an awaiter's promise with the outcome of the done `future`. */
export function settleAwaiter(future: Future<any>, awaiter: Awaiter): void {
  try {
    if (future._state === 'FINISHED' && future._exception === null) {
      const value: unknown = future._result;
      const onfulfilled = awaiter.onfulfilled;
      awaiter.resolve(typeof onfulfilled === 'function' ? onfulfilled(value) : value);
    } else {
      const error = future._state === 'CANCELLED' ? future._makeCancelledError() : future._exception;
      future._retrieved();
      const onrejected = awaiter.onrejected;
      if (typeof onrejected === 'function') awaiter.resolve(onrejected(error));
      else awaiter.reject(error);
    }
  } catch (error) {
    awaiter.reject(error);
  }
}

/** then() on a done future: the handler runs on the next microtask, as with a settled promise. */
export function thenDone<R>(
  future: Future<any>,
  onfulfilled: OnFulfilled,
  onrejected: OnRejected,
): Promise<R> {
  if (future._state === 'FINISHED' && future._exception === null) {
    const value: unknown = future._result;
    if (!tasksActive() && !isThenable(value)) {
      const settled = value === undefined ? SETTLED : Promise.resolve(value);
      if (!onfulfilled && !onrejected) return settled as Promise<R>;
      return settled.then(onfulfilled, onrejected) as Promise<R>;
    }
    // One promise instead of two: while a Task is pending, Node's promise
    // hooks make each promise cost more than this closure. A thenable
    // result is also handed to onfulfilled as it is, not adopted first as
    // Promise.resolve(value) would.
    return SETTLED.then(() =>
      typeof onfulfilled === 'function' ? onfulfilled(value) : value,
    ) as Promise<R>;
  }
  const error = future._state === 'CANCELLED' ? future._makeCancelledError() : future._exception;
  future._retrieved();
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever the future failed with
  const failed = Promise.reject(error);
  if (!onfulfilled && !onrejected) return failed;
  return failed.then(onfulfilled, onrejected) as Promise<R>;
}

function runCallbacks(callbacks: CallbackEntry[], future: Future<any>): void {
  for (const callback of callbacks) {
    if (typeof callback !== 'function') {
      resumeAwaiter(future, callback);
      continue;
    }
    try {
      callback(future);
    } catch (error) {
      logExceptionContext({
        message: `Exception in callback ${formatCallback(callback, [future])}`,
        exception: error,
        future,
      });
    }
  }
}

// Loop-less futures that finish together (a batch of I/O completions) share
// one microtask: a queue of [callbacks, future] pairs, drained in order.
// Callbacks that finish more futures append to the queue being drained, so
// the order stays the order in which the futures finished.
let soonQueue: (CallbackEntry[] | Future<any>)[] = [];
let soonScheduled = false;

function drainSoonQueue(): void {
  const queue = soonQueue;
  let i = 0;
  try {
    for (; i < queue.length; i += 2) runCallbacks(queue[i] as CallbackEntry[], queue[i + 1] as Future<any>);
  } finally {
    // runCallbacks reports what callbacks throw; should anything still
    // escape, the rest of the queue runs on the next microtask.
    soonQueue = i + 2 < queue.length ? queue.slice(i + 2) : [];
    soonScheduled = soonQueue.length > 0;
    if (soonScheduled) void SETTLED.then(runSoonQueue);
  }
}

function runSoonQueue(): void {
  outsideTasks(drainSoonQueue);
}

/** Runs the done callbacks of a loop-less future on a microtask, in order, outside any Task. */
export function runLooplessCallbacksSoon(callbacks: CallbackEntry[], future: Future<any>): void {
  soonQueue.push(callbacks, future);
  if (!soonScheduled) {
    soonScheduled = true;
    void SETTLED.then(runSoonQueue);
  }
}
