// Port of tasks.py as_completed and _AsCompletedIterator (Python 3.13).
//
// The iterator is both:
// - an Iterable of awaitables: each one, when awaited, gives the result of
//   the next future to complete (or throws its error), in completion order,
//   whatever order the awaitables are awaited in (asyncio's
//   _wait_for_one(resolve=True) coroutines). Nothing is taken until an
//   awaitable is first awaited (its then() is called);
// - an AsyncIterable of the futures themselves, in completion order: a
//   Future or Task given is yielded as is, a promise or task function as
//   the Future or Task ensureFuture() made of it (asyncio: coroutines come
//   back as Tasks).
// Both share one count, so `break` and a later loop over the same iterator
// resume where the first stopped, as in asyncio (there is no return():
// leaving a loop does not close it).
//
// With `timeout` (ms), once it expires every awaitable not yet satisfied
// throws TimeoutError, the futures still pending lose this iterator's done
// callbacks (asyncio's _handle_timeout), and they are not cancelled. The
// timeout is cancelled as soon as every future is done.
//
// Loops, as in wait(): the running loop when asCompleted() is called (its
// futures, its Tasks and its callLater), else none (loop-less futures and
// Tasks, a Node timer that keeps the process alive until it fires or is
// cancelled). asyncio's as_completed asks for the current event loop,
// which need not run; there is no such thing here.
//
// asyncio keeps the completed futures in an asyncio.Queue; the few parts of
// Queue it uses (put_nowait, get, _wakeup_next) are inlined below.
import { TimeoutError } from './errors';
import { checkAwaitablesAndTimeout, ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future, isFuture } from './future';
import { getRunningLoopOrNull } from './running-loop';
import { callLaterOn } from './timers';
import type { Cancellable } from './timers';
import { checkAwaitable } from './wait-for';
import type { BaseEventLoop } from './base-event-loop';

/** Options of asCompleted(). */
export interface AsCompletedOptions {
  /** Milliseconds until the results not yet in throw TimeoutError (null: no limit). */
  timeout?: number | null;
}

/** One awaitable of the plain iteration: awaiting it gives the next result to arrive. */
class NextResult<T> implements PromiseLike<T> {
  private _promise: Promise<T> | null = null;

  constructor(private readonly _source: AsCompletedIterator<T>) {}

  /** Starts waiting on the first call (asyncio: the coroutine runs when awaited). */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this._promise ??= this._source._waitForOne(resultOf);
    return this._promise.then(onfulfilled, onrejected);
  }

  /** Like then(undefined, onrejected). */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }
}

function resultOf<T>(future: Future<T>): T {
  return future.result();
}

function yielded<T>(future: Future<T>): IteratorResult<Future<T>> {
  // An object, not the future itself: an async function returning a
  // thenable would adopt its outcome.
  return { done: false, value: future };
}

/**
 * What asCompleted() returns: see the file comment. (TypeScript may type
 * the variable of `for await` as the result rather than the Future: it
 * assumes `for await` awaits what an async iterator yields, which only
 * async generators guarantee.)
 */
export class AsCompletedIterator<T>
  implements IterableIterator<PromiseLike<T>>, AsyncIterable<Future<T>>
{
  /** @internal The futures not done yet (asyncio's _todo). */
  readonly _todo: Set<Future<T>>;
  /** @internal How many more items the iterators give (asyncio's _todo_left). */
  _todoLeft: number;
  /** @internal Completed futures not taken yet; null marks one that timed out (the Queue). */
  readonly _done: (Future<T> | null)[] = [];
  /** @internal Waiters for `_done` to fill (Queue._getters). */
  readonly _getters: Future<void>[] = [];
  /** @internal */ readonly _loop: BaseEventLoop | null;
  /** @internal */ _timeoutHandle: Cancellable | null = null;

  /** @internal Use asCompleted(). */
  constructor(futures: Set<Future<T>>, timeout: number | null, loop: BaseEventLoop | null) {
    this._loop = loop;
    this._todo = futures;
    this._todoLeft = futures.size;
    for (const f of futures) f.addDoneCallback(this._handleCompletion);
    if (futures.size > 0 && timeout !== null) {
      this._timeoutHandle = callLaterOn(loop, timeout, this._handleTimeout);
    }
  }

  /** The plain iterator is this object. */
  [Symbol.iterator](): this {
    return this;
  }

  // Port of _AsCompletedIterator.__next__.
  /** The next awaitable: awaiting it gives the next result in completion order. */
  next(): IteratorResult<PromiseLike<T>> {
    if (this._todoLeft <= 0) return { done: true, value: undefined };
    this._todoLeft -= 1;
    return { done: false, value: new NextResult(this) };
  }

  // Port of _AsCompletedIterator.__aiter__ and __anext__.
  /** An async iterator over the futures in completion order, sharing this one's count. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Future<T>> {
    const view: AsyncIterableIterator<Future<T>> = {
      next: (): Promise<IteratorResult<Future<T>>> => {
        if (this._todoLeft <= 0) return Promise.resolve({ done: true, value: undefined });
        this._todoLeft -= 1;
        return this._waitForOne(yielded);
      },
      [Symbol.asyncIterator]: () => view,
    };
    return view;
  }

  // Port of _AsCompletedIterator._handle_completion.
  private readonly _handleCompletion = (f: Future<T>): void => {
    if (this._todo.size === 0) return; // _handleTimeout() was here first.
    this._todo.delete(f);
    this._put(f);
    if (this._todo.size === 0 && this._timeoutHandle !== null) {
      this._timeoutHandle.cancel();
      this._timeoutHandle = null;
    }
  };

  // Port of _AsCompletedIterator._handle_timeout.
  private readonly _handleTimeout = (): void => {
    this._timeoutHandle = null;
    for (const f of this._todo) {
      f.removeDoneCallback(this._handleCompletion);
      this._put(null);
    }
    this._todo.clear();
  };

  // Port of asyncio.Queue.put_nowait (the queue is unbounded).
  private _put(item: Future<T> | null): void {
    this._done.push(item);
    this._wakeupNext();
  }

  // Port of asyncio.Queue._wakeup_next.
  private _wakeupNext(): void {
    while (this._getters.length > 0) {
      const getter = this._getters.shift()!;
      if (!getter.done()) {
        getter.setResult(undefined);
        break;
      }
    }
  }

  // Port of _AsCompletedIterator._wait_for_one, with Queue.get inlined;
  // `use` is what asyncio's `resolve` flag chooses.
  /** @internal Waits for the next completed future, then returns `use(future)`. */
  async _waitForOne<R>(use: (future: Future<T>) => R): Promise<R> {
    while (this._done.length === 0) {
      const getter = new Future<void>({ loop: this._loop });
      this._getters.push(getter);
      try {
        await getter;
      } catch (error) {
        // This wait was cancelled (its task was): pass the wake-up on.
        getter.cancel();
        const at = this._getters.indexOf(getter);
        if (at >= 0) void this._getters.splice(at, 1);
        if (this._done.length > 0 && !getter.cancelled()) this._wakeupNext();
        throw error;
      }
    }
    const f = this._done.shift()!;
    if (f === null) throw new TimeoutError('asCompleted() timed out');
    return use(f);
  }
}

/**
 * Iterates over `aws` in completion order (asyncio.as_completed, 3.13):
 * `for (const next of asCompleted(aws)) await next` gives the results,
 * `for await (const future of asCompleted(aws))` the futures. With
 * `{timeout}` (ms), what is not done by then throws TimeoutError.
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  opts: AsCompletedOptions = {},
): AsCompletedIterator<T> {
  const timeout = checkAwaitablesAndTimeout(aws, opts, 'futures, promises or task functions');
  // Duplicates count once, as asyncio's set(fs) does. Everything is
  // checked before any task starts (ensureFuture only checks a Future).
  const unique = new Set(aws);
  const loop = getRunningLoopOrNull();
  for (const aw of unique) {
    checkAwaitable(aw, 'each of aws');
    if (isFuture(aw)) void ensureFuture(aw, loop);
  }
  const futures = new Set<Future<T>>();
  for (const aw of unique) futures.add(ensureFuture(aw, loop));
  return new AsCompletedIterator(futures, timeout, loop);
}
