// Port of tasks.py wait_for (the 3.11 algorithm) and _cancel_and_wait.
//
// In a running loop the deadline is a loop timer and the internal futures
// belong to the loop; with no loop they are loop-less and the deadline is a
// Node timer. Either way, on expiry `aw` is cancelled and waited for (a
// Task may take a while to honour it), then TimeoutError is thrown. A
// promise cannot be cancelled: waitFor stops waiting for it, that is all.
import { CancelledError, TimeoutError } from './errors';
import { ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future, isFuture } from './future';
import { isThenable } from './handle';
import { getRunningLoopOrNull } from './running-loop';
import { callLaterOn, checkDelay } from './timers';
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
  if (ms !== null && ms !== undefined) checkDelay(ms, 'ms');
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
