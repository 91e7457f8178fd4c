// Shared test helpers: a concrete loop, loop bookkeeping so every test
// closes every loop it makes, and a captured logger.
import { BaseEventLoop, Future, logger } from '@iocp/futures';
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

/** Stops and closes every loop made by newLoop(); for afterEach. */
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
