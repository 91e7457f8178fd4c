// Port of asyncio/runners.py run() and Runner: a new loop from the policy,
// made current, runs `main` until it settles; then, as Runner.close(), the
// tasks still pending are cancelled and awaited (errors they end with go
// to the loop's exception handler), the loop stops being current and is
// closed. asyncio's shutdown_asyncgens() and shutdown_default_executor()
// have no counterpart: JavaScript async generators need no finalizer hook,
// and there is no default executor.
//
// Ctrl+C (Runner._on_sigint): the first SIGINT cancels the main task, so its
// finally blocks run on the loop, and run() then rejects with
// KeyboardInterrupt; a second SIGINT stops the loop at once (runForever's
// KeyboardInterrupt, see keyboard-interrupt.ts).
import { RuntimeError, gather, allTasks, getRunningLoopOrNull } from '@iocp/futures';
import type { BaseEventLoop, Task } from '@iocp/futures';

import { KeyboardInterrupt } from './keyboard-interrupt';
import type { SigintGuard } from './keyboard-interrupt';
import { getEventLoopPolicy } from './policies';

export interface RunOptions {
  /** The loop's debug mode (default: left as the loop has it). */
  debug?: boolean;
}

function sigintOf(loop: BaseEventLoop): SigintGuard | null {
  const guard = (loop as { _sigint?: SigintGuard })._sigint;
  return guard ?? null;
}

// Port of runners.py run / Runner.run / Runner.close.
/** Runs `main()` on a new loop of the current policy and closes the loop; resolves to what `main` resolves to. */
export async function run<T>(main: () => Promise<T>, opts: RunOptions = {}): Promise<T> {
  if (typeof main !== 'function') {
    const then = (main as { then?: unknown } | null)?.then;
    throw new TypeError(
      typeof then === 'function'
        ? 'run() takes a function that starts the work, not a promise: pass `() => main()` instead of `main()`'
        : 'main must be a function returning a promise',
    );
  }
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  if (opts.debug !== undefined && typeof opts.debug !== 'boolean') throw new TypeError('opts.debug must be a boolean');
  if (getRunningLoopOrNull() !== null) {
    throw new RuntimeError('run() cannot be called from a running event loop');
  }
  const policy = getEventLoopPolicy();
  const loop = policy.newEventLoop();
  if (opts.debug !== undefined) loop.setDebug(opts.debug);
  policy.setEventLoop(loop);
  const guard = sigintOf(loop);
  let interrupted = 0;
  let task: Task<T> | null = null;
  try {
    task = loop.createTask(() => main());
    const mainTask = task;
    if (guard !== null) {
      // Port of Runner._on_sigint: the first Ctrl+C cancels the main task.
      guard.hook = () => {
        interrupted += 1;
        if (interrupted === 1 && !mainTask.done()) {
          mainTask.cancel();
          return true;
        }
        return false;
      };
    }
    try {
      return await loop.runUntilComplete(mainTask);
    } catch (err) {
      if (interrupted > 0 && mainTask.cancelled() && mainTask.uncancel() === 0) throw new KeyboardInterrupt();
      throw err;
    }
  } finally {
    try {
      if (guard !== null) guard.hook = null;
      await cancelAllTasks(loop);
    } finally {
      policy.setEventLoop(null);
      await loop.close();
    }
  }
}

// Port of runners.py _cancel_all_tasks.
async function cancelAllTasks(loop: BaseEventLoop): Promise<void> {
  const toCancel = [...allTasks(loop)];
  if (toCancel.length === 0) return;
  for (const task of toCancel) task.cancel();
  await loop.runUntilComplete(gather(toCancel, { returnExceptions: true }));
  for (const task of toCancel) {
    if (task.cancelled()) continue;
    const exc = task.exception();
    if (exc !== null) {
      loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: exc, task });
    }
  }
}
