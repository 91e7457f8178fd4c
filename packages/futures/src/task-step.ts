// Port of asyncio/tasks.py Task.__step and Task.__wakeup: how a Task's
// await of a Future suspends the task and how the task resumes.
//
// asyncio's Task drives its coroutine: the coroutine yields the future it
// waits on, the task records it (_fut_waiter) and adds __wakeup as a done
// callback; the future's loop schedules that through call_soon, and
// __step throws CancelledError into the coroutine if a cancel() came while
// it waited (_must_cancel). Here the engine drives the async function, so:
// - Suspending. Inside a task's step, reading `constructor` of a pending
//   Future (what `await future` does first) makes it the task's waiter, and
//   answers the future's own class rather than Promise, so the engine awaits
//   it as a thenable: on a later job it calls future.then(resolve, reject)
//   with the resolving functions of the promise the async function awaits.
//   That then() call (still in the task's context) finds the future is the
//   task's waiter and makes the task's own awaiter: awaitInTask() below.
//   The last future read in a step is the waiter: a future read by code the
//   step only started (a fire-and-forget async function, Promise.resolve(),
//   an explicit .then()) is replaced by the one the step then awaits, and
//   its awaiter is a plain one. While the task waits, code of its context
//   that runs (a fire-and-forget function going on, a callback) does not
//   replace the waiter: the getter and then() only act for a task that is
//   not suspended (_waiterAwaiter null). The price: a task resumed by
//   something else (a Promise.race its waiter lost) counts as suspended on
//   that waiter until the waiter is done (README "How a Task runs").
// - Resuming. When the future is done, taskWakeup() runs through the task's
//   loop (callSoon, flagged as a task step so the loop lets the step finish
//   before its next callback; see base-event-loop.ts), or on the loop-less
//   microtask queue for a loop-less task. It clears the waiter and settles
//   the awaited promise: with CancelledError if a cancel() is pending.
// - task.cancel() cancels only the waiter (task.ts), never other futures
//   the task's code touched.
import { CancelledError } from './errors';
import { addAwaiter, newTaskAwaiter, rejectAwaiter, runLooplessCallbacksSoon, settleAwaiter } from './awaiter';
import type { Awaiter } from './awaiter';
import type { Future } from './future';
import type { Task } from './task';

type OnFulfilled = ((value: any) => unknown) | null | undefined;
type OnRejected = ((reason: any) => unknown) | null | undefined;

/**
 * The task's own await of `future` (its waiter): called from then() by the
 * engine's thenable job. Returns the promise then() returns.
 */
export function awaitInTask(
  task: Task<unknown>,
  future: Future<unknown>,
  onfulfilled: OnFulfilled,
  onrejected: OnRejected,
): Promise<unknown> {
  let promise: Promise<unknown>;
  let awaiter: Awaiter;
  const pending = future._state === 'PENDING';
  if (pending) {
    promise = addAwaiter(future, onfulfilled, onrejected, task);
    const callbacks = future._callbacks as Awaiter[];
    awaiter = callbacks[callbacks.length - 1];
  } else {
    // Done between the await and this job (cancelled by task.cancel(), or
    // finished by other code): the wakeup is scheduled at once, as the
    // future's done callbacks would be.
    [promise, awaiter] = newTaskAwaiter(onfulfilled, onrejected, task);
  }
  task._waiterAwaiter = awaiter;
  // Port of tasks.py Task.__step: a cancel() that came while the task ran
  // cancels the future it now waits on.
  if (task._mustCancel && future.cancel(task._cancelMessage)) task._mustCancel = false;
  // (If that cancelled it, its done callbacks scheduled the wakeup.)
  if (!pending) scheduleTaskWakeup(task, future, awaiter);
  return promise;
}

/** Schedules taskWakeup: on the task's loop as a task step, or on the loop-less microtask queue. */
export function scheduleTaskWakeup(task: Task<unknown>, future: Future<unknown>, awaiter: Awaiter): void {
  const loop = task._loop;
  if (loop === null) {
    runLooplessCallbacksSoon([awaiter], future);
    return;
  }
  if (future._loop === loop) {
    // As for any done callback of a loop future: a closed loop throws.
    loop.callSoon(taskWakeup, task, future, awaiter)._taskStep = true;
    return;
  }
  try {
    loop.callSoon(taskWakeup, task, future, awaiter)._taskStep = true;
  } catch {
    // The task's loop is closed, so the task can never run again (asyncio
    // could not resume it either); completing this loop-less future must
    // not fail for that. The task is reported when it is collected.
  }
}

// Port of tasks.py Task.__wakeup and the start of Task.__step.
/** Resumes `task` at its await of the done `future` (a loop callback or a loop-less microtask). */
export function taskWakeup(task: Task<unknown>, future: Future<unknown>, awaiter: Awaiter): void {
  if (task._waiterAwaiter !== awaiter || task.done()) {
    // Not the task's waiter any more: an awaiter like any other.
    settleAwaiter(future, awaiter);
    return;
  }
  task._waiter = null;
  task._waiterAwaiter = null;
  if (task._mustCancel) {
    // A cancel() came after the future was done: the task gets
    // CancelledError at this await, once (_must_cancel is cleared).
    task._mustCancel = false;
    let error: CancelledError;
    if (future._state === 'CANCELLED') {
      error = future._makeCancelledError();
    } else {
      future._retrieved();
      error = new CancelledError(task._cancelMessage);
    }
    rejectAwaiter(awaiter, error);
    return;
  }
  settleAwaiter(future, awaiter);
}
