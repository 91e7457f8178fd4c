// Port of base_events.py BaseEventLoop.run_until_complete, kept apart from
// the loop core for size.
import { RuntimeError } from './errors';
import { ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { isFuture } from './future';
import type { Future } from './future';
import { Task } from './task';
import type { BaseEventLoop } from './base-event-loop';

export type { Awaitable };

/**
 * Runs `loop` until `aw` is done; see BaseEventLoop.runUntilComplete. State
 * errors (closed, already running) reject; a wrong `aw` throws TypeError
 * (or RangeError for a future of another loop) synchronously.
 */
export function runUntilComplete<T>(loop: BaseEventLoop, aw: Awaitable<T>): Promise<T> {
  const refusal = loop._refuseToRun();
  if (refusal !== null) return Promise.reject(refusal);
  const newTask = !isFuture(aw);
  const future = ensureFuture(aw, loop);
  // Nobody else holds a task made here, and a run that ends before it does
  // already fails ('Event loop stopped before Future completed.'): no
  // "Task was destroyed but it is pending!" report for it.
  if (newTask && future instanceof Task) future._logDestroyPending = false;
  return runUntilDone(loop, future, newTask);
}

async function runUntilDone<T>(loop: BaseEventLoop, future: Future<T>, newTask: boolean): Promise<T> {
  // Port of base_events.py _run_until_complete_cb.
  const stopLoop = (): void => loop.stop();
  future.addDoneCallback(stopLoop);
  try {
    await loop.runForever();
  } catch (error) {
    if (newTask && future.done() && !future.cancelled()) {
      // The error is being raised; the future's own error is not lost
      // silently but also needs no "never retrieved" report.
      future.exception();
    }
    throw error;
  } finally {
    future.removeDoneCallback(stopLoop);
  }
  if (!future.done()) throw new RuntimeError('Event loop stopped before Future completed.');
  return future.result();
}
