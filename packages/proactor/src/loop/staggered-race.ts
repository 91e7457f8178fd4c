// Port of asyncio/staggered.py staggered_race, for create_connection's
// happy eyeballs (RFC 8305): the attempts start one after the other, the
// next one when the one before fails or when `delay` ms passed, whichever
// comes first; the first to succeed wins and every other one is cancelled.
//
// Differences: the result is a Future of the loop (so cancelling the task
// that awaits it cancels every attempt, as cancelling staggered_race does),
// resolving to the winner's value or null when every attempt failed (the
// attempts record their own errors, as _connect_sock does); the winner's
// index and the exceptions CPython also returns are not needed here. A
// value that succeeds after the winner (both done in one iteration) goes
// to `discard` (the caller closes that socket).
import type { Future, Task, TimerHandle } from '@iocp/futures';

import type { BaseProactorEventLoop } from '../base-proactor-event-loop';

export function staggeredRace<T>(
  loop: BaseProactorEventLoop,
  attempts: ReadonlyArray<() => Promise<T>>,
  delay: number,
  discard: (value: T) => void,
): Future<T | null> {
  const result = loop.createFuture<T | null>();
  const tasks: Task<T>[] = [];
  let next = 0;
  let timer: TimerHandle | null = null;

  const cancelAll = (): void => {
    timer?.cancel();
    timer = null;
    for (const t of tasks) t.cancel();
  };

  const settleIfAllFailed = (): void => {
    if (!result.done() && next >= attempts.length && tasks.every((t) => t.done())) result.setResult(null);
  };

  const onDone = (index: number, task: Task<T>): void => {
    if (task.cancelled()) {
      settleIfAllFailed();
      return;
    }
    const exc = task.exception();
    if (exc === null) {
      if (result.done()) {
        discard(task.result());
        return;
      }
      result.setResult(task.result());
      cancelAll();
      return;
    }
    // The newest attempt failed: the next one starts now, not after the delay.
    if (index === next - 1) startNext();
    else settleIfAllFailed();
  };

  const startNext = (): void => {
    timer?.cancel();
    timer = null;
    if (result.done() || next >= attempts.length) {
      settleIfAllFailed();
      return;
    }
    const index = next++;
    const attempt = attempts[index];
    const task = loop.createTask(() => attempt());
    tasks.push(task);
    task.addDoneCallback(() => onDone(index, task));
    if (next < attempts.length) timer = loop.callLater(delay, startNext);
  };

  // Cancelling the race cancels every attempt.
  result.addDoneCallback((f) => {
    if (f.cancelled()) cancelAll();
  });
  startNext();
  return result;
}
