// Shared test helpers: a concrete loop, loop bookkeeping so every test
// closes every loop it makes, a captured logger, and forced garbage
// collection for the reports made when V8 collects a future or task.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BaseEventLoop, Future, allTasks, gather, logger } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';

/** The smallest concrete loop: BaseEventLoop with no I/O. */
export class TestLoop extends BaseEventLoop {}

const loops: BaseEventLoop[] = [];

/** A new TestLoop that closeLoops() will stop and close. */
export function newLoop(): TestLoop {
  const loop = new TestLoop();
  loops.push(loop);
  return loop;
}

// Port of runners.py _cancel_all_tasks, as asyncio.run() does before it
// closes its loop: a task left pending would be garbage that reports
// "Task was destroyed but it is pending!" whenever V8 collects it.
/** Cancels the tasks of `loop` still pending and runs it until they are done. */
export async function cancelAllTasks(loop: BaseEventLoop): Promise<void> {
  const tasks = [...allTasks(loop)];
  if (tasks.length === 0) return;
  for (const task of tasks) task.cancel();
  await loop.runUntilComplete(gather(tasks, { returnExceptions: true }));
}

/** Stops every loop made by newLoop(), finishes its tasks and closes it; for afterEach. */
export async function closeLoops(): Promise<void> {
  for (const loop of loops.splice(0)) {
    if (loop.isRunning()) {
      const stopped = new Promise<void>((resolve) => {
        const check = (): void => {
          if (loop.isRunning()) setImmediate(check);
          else resolve();
        };
        check();
      });
      loop.stop();
      await stopped;
    }
    if (!loop.isClosed()) await cancelAllTasks(loop);
    await loop.close();
  }
}

/** Collects the contexts given to the loop's exception handler. */
export function captureExceptions(loop: BaseEventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    seen.push(context);
  });
  return seen;
}

/** Replaces the package logger for one test; returns what it got. */
export function captureLogger(): { error: string[]; warn: string[]; debug: string[]; restore(): void } {
  const saved = { ...logger };
  const got = {
    error: [] as string[],
    warn: [] as string[],
    debug: [] as string[],
    restore(): void {
      Object.assign(logger, saved);
    },
  };
  logger.error = (m) => got.error.push(m);
  logger.warn = (m) => got.warn.push(m);
  logger.debug = (m) => got.debug.push(m);
  return got;
}

// Port of test_utils.run_briefly: runs the loop for a couple of iterations.
/** Runs `loop` until the callbacks scheduled so far (and those they schedule directly) ran. */
export async function runBriefly(loop: BaseEventLoop, iterations = 2): Promise<void> {
  const done = new Future<void>({ loop });
  let left = iterations;
  const step = (): void => {
    left -= 1;
    if (left <= 0) done.setResult(undefined);
    else loop.callSoon(step);
  };
  loop.callSoon(step);
  await loop.runUntilComplete(done);
}

/** Lets pending microtasks and one macrotask turn happen (not a sleep: no timer). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise and its settle functions. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

setFlagsFromString('--expose-gc');
/** Runs a full garbage collection (V8's gc(), exposed without a command-line flag). */
export const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage until `done()` or a few rounds pass. Finalizers run as
 * tasks of Node's loop after a GC, later when the process is busy (a cold
 * ts-jest cache, other workers): after the first rounds each one waits a
 * little longer, up to about a second in all.
 */
export async function collect(done: () => boolean, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc();
    await tick();
    if (i >= 3 && !done()) await new Promise((resolve) => setTimeout(resolve, 5 * (i - 2)));
  }
}
