// Port of tasks.py wait and _wait.
//
// Accepts Futures, promises and task functions; the sets returned hold the
// Futures ensureFuture() made of them (the Futures themselves when given
// Futures, as in asyncio). Timers: the running loop's, else Node's.
import { checkAwaitablesAndTimeout, ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future } from './future';
import { getRunningLoopOrNull } from './running-loop';
import { callLaterOn } from './timers';
import type { Cancellable } from './timers';
import type { BaseEventLoop } from './base-event-loop';

/** wait() returns when any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** wait() returns when any future finishes with an exception, or all finish. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** wait() returns when all futures finish or are cancelled. */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/** When wait() returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of wait(). */
export interface WaitOptions {
  /** At most this many ms (null: no limit). Expiry does not throw. */
  timeout?: number | null;
  /** When to return (default ALL_COMPLETED). */
  returnWhen?: ReturnWhen;
}

/**
 * Waits for the awaitables; resolves to `[done, pending]` sets. Never throws
 * TimeoutError: futures not done in time are in `pending`.
 */
export function wait<T>(
  aws: Iterable<Awaitable<T>>,
  opts: WaitOptions = {},
): Promise<[Set<Future<T>>, Set<Future<T>>]> {
  const timeout = checkAwaitablesAndTimeout(aws, opts, 'futures');
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(returnWhen)) {
    throw new RangeError(`Invalid returnWhen value: ${String(returnWhen)}`);
  }
  const unique = new Set(aws);
  if (unique.size === 0) throw new RangeError('Set of Futures is empty.');
  const loop = getRunningLoopOrNull();
  const futures = new Set<Future<T>>();
  for (const aw of unique) futures.add(ensureFuture(aw, loop));
  return waitImpl(futures, timeout, returnWhen, loop);
}

// Port of tasks.py _wait.
async function waitImpl<T>(
  futures: Set<Future<T>>,
  timeout: number | null,
  returnWhen: ReturnWhen,
  loop: BaseEventLoop | null,
): Promise<[Set<Future<T>>, Set<Future<T>>]> {
  const waiter = new Future<void>({ loop });
  let timer: Cancellable | null = null;
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  if (timeout !== null) timer = callLaterOn(loop, timeout, release);
  let counter = futures.size;
  const onCompletion = (f: Future<T>): void => {
    counter -= 1;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      timer?.cancel();
      release();
    }
  };
  for (const f of futures) f.addDoneCallback(onCompletion);
  try {
    await waiter;
  } finally {
    timer?.cancel();
    for (const f of futures) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of futures) (f.done() ? done : pending).add(f);
  return [done, pending];
}
