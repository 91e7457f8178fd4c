// Turning anything awaitable into a Future.
//
// Port of tasks.py ensure_future and futures.py wrap_future. JavaScript
// awaitables are promises (running already, not cancellable) and async
// functions (not started yet): a promise is wrapped in a Future that settles
// with it, a function `(signal) => Promise` is started as a Task, which
// makes it cancellable through its signal. Loops: an explicit `loop`, else
// the running loop, else none (loop-less Future or Task).
import { CancelledError } from './errors';
import { Future, isFuture, isLoopLike } from './future';
import { isThenable } from './handle';
import { logExceptionContext } from './exception-context';
import { getRunningLoopOrNull } from './running-loop';
import { checkDelay } from './timers';
import { Task } from './task';
import type { TaskFunction } from './task';
import type { BaseEventLoop } from './base-event-loop';

/** Whatever ensureFuture() accepts: a Future, a promise, or a task function. */
export type Awaitable<T> = Future<T> | PromiseLike<T> | TaskFunction<T>;

function checkLoop(loop: unknown): BaseEventLoop | null | undefined {
  if (loop === undefined || loop === null || isLoopLike(loop)) return loop;
  throw new TypeError('loop must be an event loop');
}

// Port of tasks.py _ensure_future.
/**
 * `aw` as a Future: a Future is returned as is (RangeError if it belongs to
 * a loop other than `loop`); a function is run as a Task (by
 * `loop.createTask`, so a task factory applies; loop-less with no loop); a
 * promise is wrapped with wrapFuture().
 */
export function ensureFuture<T>(aw: Awaitable<T>, loop?: BaseEventLoop | null): Future<T> {
  const wanted = checkLoop(loop);
  if (isFuture(aw)) {
    const own = (aw).getLoop();
    if (wanted !== undefined && wanted !== null && own !== null && own !== wanted) {
      throw new RangeError(
        'The future belongs to a different loop than the one specified as the loop argument',
      );
    }
    return aw;
  }
  if (typeof aw === 'function') {
    // asyncio: loop.create_task(coro), so the loop's task factory applies.
    const taskLoop = wanted === undefined ? getRunningLoopOrNull() : wanted;
    if (taskLoop !== null) return taskLoop.createTask(aw);
    return new Task(aw, { loop: null });
  }
  if (isThenable(aw)) return wrapFuture(aw, wanted);
  throw new TypeError('aw must be a Future, a promise or a function returning a promise');
}

// Port of futures.py wrap_future (for promises rather than
// concurrent.futures). Cancelling the Future cannot cancel the promise; it
// only stops waiting for it. A promise rejected with CancelledError gives a
// cancelled Future. A rejection that is not an object becomes an Error with
// the value as its `cause`.
/** A Future that settles like `promise` (a Future is returned as is). */
export function wrapFuture<T>(promise: PromiseLike<T>, loop?: BaseEventLoop | null): Future<T> {
  const wanted = checkLoop(loop);
  if (isFuture(promise)) return promise as Future<T>;
  if (!isThenable(promise)) throw new TypeError('promise must be a promise or a thenable');
  const future = new Future<T>(wanted === undefined ? undefined : { loop: wanted });
  const settle = (apply: () => void): void => {
    if (future.done()) return;
    try {
      apply();
    } catch (error) {
      // The future's loop was closed meanwhile: nobody can get the outcome.
      logExceptionContext({ message: 'wrapFuture could not settle its Future', exception: error });
    }
  };
  promise.then(
    (value) => settle(() => future.setResult(value)),
    (error: unknown) =>
      settle(() => {
        if (error instanceof CancelledError) {
          future._cancelledExc = error;
          future.cancel(error.message === '' ? undefined : error.message);
        } else if (typeof error === 'object' && error !== null) {
          future.setException(error as Error);
        } else {
          future.setException(new Error(String(error), { cause: error }));
        }
      }),
  );
  return future;
}

/**
 * The arguments wait() and asCompleted() share: an iterable of awaitables
 * (not a single future, promise or string), and options with an optional
 * timeout in ms. Returns the timeout, or null.
 */
export function checkAwaitablesAndTimeout(aws: unknown, opts: unknown, what: string): number | null {
  if (
    isFuture(aws) ||
    isThenable(aws) ||
    typeof aws === 'string' ||
    typeof (aws as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`aws must be an iterable of ${what}`);
  }
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const timeout = (opts as { timeout?: number | null }).timeout ?? null;
  if (timeout !== null) checkDelay(timeout, 'opts.timeout');
  return timeout;
}
