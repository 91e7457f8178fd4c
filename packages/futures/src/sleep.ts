// Port of tasks.py sleep.
//
// Returns a Future rather than being an async function, so the timer is
// cancelled with it: task.cancel() while a task sleeps cancels the future
// and its timer. In a running loop the timer is loop.callLater (sleep(0)
// yields one loop iteration through callSoon, like asyncio's bare yield);
// with no loop it is a Node timer (setImmediate for 0) that keeps the
// process alive while it is pending.
import { Future, setResultUnlessCancelled } from './future';
import { getRunningLoopOrNull } from './running-loop';
import { callLaterOn, checkDelay, warnIfSeconds } from './timers';

/** A Future that resolves to `value` after `ms` milliseconds. */
export function sleep(ms: number): Future<void>;
export function sleep<T>(ms: number, value: T): Future<T>;
export function sleep<T>(ms: number, value?: T): Future<T | undefined> {
  checkDelay(ms, 'ms');
  const loop = getRunningLoopOrNull();
  warnIfSeconds(ms, 'sleep() ms', loop);
  const future = new Future<T | undefined>({ loop });
  const timer = callLaterOn(loop, ms, () => setResultUnlessCancelled(future, value));
  future.addDoneCallback(function cancelSleepTimer() {
    timer.cancel();
  });
  return future;
}
