// Port of tasks.py gather and _GatheringFuture.
//
// Arguments are Futures, promises or task functions (see ensureFuture).
// The outer future belongs to the loop of the first child that has one
// (asyncio: the children's loop), else it is loop-less.
import { CancelledError } from './errors';
import { ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future, isFuture } from './future';
import { isThenable } from './handle';
import { getRunningLoopOrNull } from './running-loop';
import { Task } from './task';
import type { TaskFunction } from './task';
import type { BaseEventLoop } from './base-event-loop';

/** Options of gather(). */
export interface GatherOptions {
  /** Report children's errors (and cancellations) as results instead of failing. */
  returnExceptions?: boolean;
}

/** What awaiting an argument of gather() gives. */
export type GatherResult<X> = X extends TaskFunction<infer R> ? Awaited<R> : Awaited<X>;

// Port of tasks.py _GatheringFuture.
/**
 * The future gather() returns. cancel() cancels the children that are not
 * done, and the gathering future then fails with CancelledError, like
 * Task.cancel() (it is not marked cancelled at once).
 */
export class GatheringFuture<T> extends Future<T> {
  /** @internal */ readonly _children: Future<unknown>[];
  /** @internal */ _cancelRequested = false;

  constructor(children: Future<unknown>[], loop: BaseEventLoop | null) {
    super({ loop });
    this._children = children;
  }

  override cancel(msg?: string | null): boolean {
    if (msg !== undefined && msg !== null && typeof msg !== 'string') {
      throw new TypeError('msg must be a string');
    }
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this._children) {
      if (child.cancel(msg)) cancelled = true;
    }
    // If any child was cancelled, the cancellation must propagate whatever
    // returnExceptions says (bpo-32684).
    if (cancelled) this._cancelRequested = true;
    return cancelled;
  }
}

function isOptions(value: unknown): value is GatherOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !isFuture(value) &&
    !isThenable(value)
  );
}

/** Runs the awaitables concurrently; resolves to their results, in order. */
export function gather<T extends readonly unknown[]>(
  aws: readonly [...T],
  opts: GatherOptions & { returnExceptions: true },
): GatheringFuture<{ -readonly [K in keyof T]: GatherResult<T[K]> | Error }>;
export function gather<T extends readonly unknown[]>(
  aws: readonly [...T],
  opts?: GatherOptions,
): GatheringFuture<{ -readonly [K in keyof T]: GatherResult<T[K]> }>;
export function gather<T extends unknown[]>(
  ...aws: T
): GatheringFuture<{ [K in keyof T]: GatherResult<T[K]> }>;
export function gather(...args: unknown[]): GatheringFuture<unknown[]> {
  let aws: unknown[] = args;
  let opts: GatherOptions = {};
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    opts = args[args.length - 1] as GatherOptions;
    aws = args.slice(0, -1);
  }
  if (aws.length === 1 && Array.isArray(aws[0])) aws = aws[0] as unknown[];
  if (opts.returnExceptions !== undefined && typeof opts.returnExceptions !== 'boolean') {
    throw new TypeError('opts.returnExceptions must be a boolean');
  }
  return gatherAll(aws as Awaitable<unknown>[], opts.returnExceptions === true);
}

function gatherAll(aws: Awaitable<unknown>[], returnExceptions: boolean): GatheringFuture<unknown[]> {
  if (aws.length === 0) {
    const outer = new GatheringFuture<unknown[]>([], getRunningLoopOrNull());
    outer.setResult([]);
    return outer;
  }
  const byArg = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  let loop: BaseEventLoop | undefined;
  let nfinished = 0;
  let outer: GatheringFuture<unknown[]> | null = null;

  // Port of tasks.py gather._done_callback.
  const childDone = (fut: Future<unknown>): void => {
    nfinished += 1;
    if (outer === null || outer.done()) {
      // Mark the exception retrieved.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(fut._makeCancelledError());
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        outer.setException(exc);
        return;
      }
    }
    if (nfinished === byArg.size) {
      const results = children.map((child) => {
        if (child.cancelled()) return new CancelledError(child._cancelMessage);
        return child.exception() ?? child.result();
      });
      // A cancelled gather propagates the cancellation whatever
      // returnExceptions says (bpo-32684).
      if (outer._cancelRequested) outer.setException(fut._makeCancelledError());
      else outer.setResult(results);
    }
  };

  for (const arg of aws) {
    let fut = byArg.get(arg);
    if (fut === undefined) {
      fut = ensureFuture(arg, loop);
      loop ??= fut.getLoop() ?? undefined;
      // A task made here for a task function is reachable only through
      // gather: its destruction while pending is not reported.
      if (fut !== arg && fut instanceof Task) fut._logDestroyPending = false;
      byArg.set(arg, fut);
      fut.addDoneCallback(childDone);
    }
    children.push(fut);
  }
  outer = new GatheringFuture<unknown[]>(children, loop ?? null);
  return outer;
}
