// Port of tasks.py wait_for (3.12+: `async with timeouts.timeout()`) and
// _cancel_and_wait.
//
// In a Task, waitFor awaits `aw` itself under a deadline that cancels the
// task (timeouts.py Timeout): `aw` is then the task's waiter, so it is
// cancelled and waited for (a Task may take a while to honour it), and the
// resulting CancelledError becomes TimeoutError only if no other cancel()
// of the task came meanwhile. A cancellation of the waiting task is thus
// never swallowed, even if `aw` finished in the same loop iteration (the
// 3.11 algorithm returned its result then, gh-86296). Outside any Task
// (plain async code) nothing else can cancel the wait, and the 3.11
// algorithm below is kept. In a running loop the deadline is a loop timer;
// with no loop it is a Node timer. A promise cannot be cancelled: waitFor
// stops waiting for it, that is all.
import { CancelledError, TimeoutError } from './errors';
import { ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future, isFuture } from './future';
import { isThenable } from './handle';
import { getRunningLoopOrNull } from './running-loop';
import { currentTask } from './task';
import type { Task } from './task';
import { callLaterOn, checkDelay, warnIfSeconds } from './timers';
import type { BaseEventLoop } from './base-event-loop';

// Port of tasks.py _release_waiter.
function releaseWaiter(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/** @internal Throws TypeError unless `aw` is something ensureFuture() takes. */
export function checkAwaitable(aw: unknown, name: string): void {
  if (!isFuture(aw) && typeof aw !== 'function' && !isThenable(aw)) {
    throw new TypeError(`${name} must be a Future, a promise or a function returning a promise`);
  }
}

// Port of tasks.py _cancel_and_wait.
/** @internal Cancels `future` and waits until it is done (without awaiting it directly). */
export async function cancelAndWait(
  future: Future<unknown>,
  loop: BaseEventLoop | null,
): Promise<void> {
  const waiter = new Future<void>({ loop });
  const release = (): void => releaseWaiter(waiter);
  future.addDoneCallback(release);
  try {
    future.cancel();
    // Not `await future`: this must stay cancellable itself.
    await waiter;
  } finally {
    future.removeDoneCallback(release);
  }
}

function timedOut<T>(future: Future<T>, ms: number): T {
  try {
    return future.result();
  } catch (error) {
    if (error instanceof CancelledError) {
      throw new TimeoutError(`timed out after ${ms} ms`, { cause: error });
    }
    throw error;
  }
}

/**
 * Waits for `aw` at most `ms` milliseconds (null: no limit) and returns its
 * result. On expiry `aw` is cancelled and TimeoutError is thrown. If the
 * caller (a Task) is cancelled meanwhile, `aw` is cancelled too.
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null | undefined): Promise<T> {
  checkAwaitable(aw, 'aw');
  if (ms !== null && ms !== undefined) {
    checkDelay(ms, 'ms');
    warnIfSeconds(ms, 'waitFor() ms', getRunningLoopOrNull());
  }
  return waitForImpl(aw, ms ?? null);
}

async function waitForImpl<T>(aw: Awaitable<T>, ms: number | null): Promise<T> {
  const loop = getRunningLoopOrNull();
  if (ms === null) return await ensureFuture(aw, loop);
  const future = ensureFuture(aw, loop);
  if (ms <= 0) {
    if (future.done()) return future.result();
    await cancelAndWait(future, loop);
    return timedOut(future, ms);
  }
  const task = currentTask();
  if (task !== null) return await awaitWithTimeout(task, future, loop, ms);
  const waiter = new Future<void>({ loop });
  const timeout = callLaterOn(loop, ms, () => releaseWaiter(waiter));
  const release = (): void => releaseWaiter(waiter);
  future.addDoneCallback(release);
  try {
    try {
      await waiter;
    } catch (error) {
      // This wait itself was cancelled (its task was).
      if (future.done()) return future.result();
      future.removeDoneCallback(release);
      // Never leave `aw` running after waitFor returns (bpo-32751).
      await cancelAndWait(future, loop);
      throw error;
    }
    if (future.done()) return future.result();
    future.removeDoneCallback(release);
    await cancelAndWait(future, loop);
    // The cancellation may have failed with another error (bpo-40607).
    return timedOut(future, ms);
  } finally {
    timeout.cancel();
  }
}

// Port of timeouts.py Timeout: __aenter__ (reschedule), _on_timeout and
// __aexit__, as wait_for uses them since 3.12.
/** Awaits `future` in `task`; after `ms`, cancels the task and turns that cancellation into TimeoutError. */
async function awaitWithTimeout<T>(
  task: Task<unknown>,
  future: Future<T>,
  loop: BaseEventLoop | null,
  ms: number,
): Promise<T> {
  const cancelling = task.cancelling();
  let expiring = false;
  const timeout = callLaterOn(loop, ms, () => {
    expiring = true;
    task.cancel();
  });
  let value: T | undefined;
  let failure: unknown;
  let failed = false;
  try {
    value = await future;
  } catch (error) {
    failed = true;
    failure = error;
  }
  timeout.cancel();
  // Only the deadline's own request is withdrawn; if another cancel() came
  // too, the CancelledError stays one.
  if (expiring && task.uncancel() <= cancelling && failed && failure instanceof CancelledError) {
    throw new TimeoutError(`timed out after ${ms} ms`, { cause: failure });
  }
  if (failed) throw failure;
  return value as T;
}
