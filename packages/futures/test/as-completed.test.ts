// Port of test_tasks.py test_as_completed* (Python 3.13: plain and async
// iteration). asyncio's tests advance a virtual clock; here futures are
// finished by loop timers, whose order is their deadlines' order.
import {
  AsCompletedIterator,
  CancelledError,
  Future,
  Task,
  TimeoutError,
  allTasks,
  asCompleted,
  ensureFuture,
  isFuture,
  sleep,
  wait,
} from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

/** Plain iteration: await each awaitable in turn. */
async function viaIterator<T>(it: AsCompletedIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for (const next of it) values.push(await next);
  return values;
}

/** Async iteration: await each future as it comes. */
async function viaAsyncIterator<T>(it: AsCompletedIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const future of it) values.push(await future);
  return values;
}

/**
 * A value `for await` got from asCompleted(): the Future, at run time.
 * TypeScript may type it as the result (it assumes `for await` awaits what
 * an async iterator yields), hence `unknown` here.
 */
function yielded<T>(value: unknown): Future<T> {
  expect(isFuture(value)).toBe(true);
  return value as Future<T>;
}

/** Async iteration: the futures, in completion order. */
async function futuresOf<T>(it: AsCompletedIterator<T>): Promise<Future<T>[]> {
  const futures: Future<T>[] = [];
  for await (const f of it) futures.push(yielded<T>(f));
  return futures;
}

const BOTH_WAYS = [
  ['plain', viaIterator],
  ['async', viaAsyncIterator],
] as const;

/** The loop time the `later` timers of a test count from (one base, so a slow machine cannot reorder them). */
const bases = new WeakMap<BaseEventLoop, number>();

/** A future of `loop` that gets `value` `ms` after the test's first `later` (a loop timer). */
function later<T>(loop: BaseEventLoop, ms: number, value: T): Future<T> {
  const f = loop.createFuture<T>();
  if (!bases.has(loop)) bases.set(loop, loop.time());
  loop.callAt(bases.get(loop)! + ms, () => f.setResult(value));
  return f;
}

/** Loop timers not cancelled yet (a cancelled one stays in the heap until the next iteration). */
function liveTimers(loop: BaseEventLoop): number {
  return loop._scheduled.length - loop._timerCancelledCount;
}

function nodeTimers(): number {
  return process.getActiveResourcesInfo().filter((n) => n === 'Timeout').length;
}

describe('asCompleted', () => {
  test.each(BOTH_WAYS)(
    '%s iteration gives the results in completion order (test_as_completed)',
    async (_way, iterate) => {
      const loop = newLoop();
      const a = later(loop, 2, 'a');
      const b = later(loop, 1, 'b');
      const c = later(loop, 4, 'c');
      const values = await loop.runUntilComplete(() => iterate(asCompleted([a, c, b])));
      expect(values).toEqual(['b', 'a', 'c']);
    },
  );

  test('async iteration yields the futures and tasks given, as they are (test_as_completed_same_tasks_in_as_out)', async () => {
    const loop = newLoop();
    const fut = later(loop, 1, 'fut');
    const task = loop.createTask(async () => 'task');
    const promise = Promise.resolve('promise');
    const fn = async (): Promise<string> => 'fn';
    const out = await loop.runUntilComplete(() =>
      futuresOf(asCompleted<string>([fut, promise, task, fn])),
    );
    expect(out).toHaveLength(4);
    expect(out).toContain(fut);
    expect(out).toContain(task);
    // The promise and the function come back as the Future and Task made of them.
    const made = out.filter((f) => f !== fut && f !== task);
    expect(made.map((f) => f.result()).sort()).toEqual(['fn', 'promise']);
    expect(made.some((f) => f instanceof Task && f.getLoop() === loop)).toBe(true);
  });

  test('plain iteration: with a timeout, the results not in by then throw TimeoutError (test_as_completed_with_timeout)', async () => {
    const loop = newLoop();
    // Done before the iteration starts (see the async case below).
    const a = loop.createFuture<string>();
    a.setResult('a');
    const b = loop.createFuture<string>();
    const values = await loop.runUntilComplete(async () => {
      const got: [number, unknown][] = [];
      for (const next of asCompleted([a, b], { timeout: 10 })) {
        try {
          got.push([1, await next]);
        } catch (error) {
          got.push([2, error]);
        }
      }
      return got;
    });
    expect(values).toHaveLength(2);
    expect(values[0]).toEqual([1, 'a']);
    expect(values[1][0]).toBe(2);
    expect(values[1][1]).toBeInstanceOf(TimeoutError);
    // The pending future lost the iterator's done callback and was not cancelled.
    expect(b.toString()).toBe('<Future pending>');
    expect(b.cancelled()).toBe(false);
    b.cancel();
  });

  test('async iteration: with a timeout, the next step throws TimeoutError (test_as_completed_with_timeout)', async () => {
    const loop = newLoop();
    // 'a' is done before the iteration starts, not on a timer: a 1 ms timer
    // raced the 10 ms timeout on a loaded machine (both due in one loop
    // iteration, the timeout first). Its completion callback is queued when
    // asCompleted() starts, ahead of anything the timeout can queue.
    const a = loop.createFuture<string>();
    a.setResult('a');
    const b = loop.createFuture<string>();
    const [values, error] = await loop.runUntilComplete(async () => {
      const got: string[] = [];
      try {
        for await (const f of asCompleted([a, b], { timeout: 10 }))
          got.push(yielded<string>(f).result());
      } catch (e) {
        return [got, e] as const;
      }
      return [got, null] as const;
    });
    expect(values).toEqual(['a']);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(b.toString()).toBe('<Future pending>');
    b.cancel();
  });

  test.each(BOTH_WAYS)(
    '%s iteration: a timeout not needed is cancelled (test_as_completed_with_unused_timeout)',
    async (_way, iterate) => {
      const loop = newLoop();
      const values = await loop.runUntilComplete(async () => {
        const got = await iterate(asCompleted([sleep(1, 'a')], { timeout: 60_000 }));
        return [got, liveTimers(loop)] as const;
      });
      expect(values).toEqual([['a'], 0]);
    },
  );

  test.each(BOTH_WAYS)(
    '%s iteration resumes after a break (test_as_completed_resume_iterator)',
    async (way) => {
      const loop = newLoop();
      const fns = [0, 1, 2, 3].map((i) => async () => i);
      const collected = await loop.runUntilComplete(async () => {
        const it = asCompleted(fns);
        const got: number[] = [];
        if (way === 'plain') {
          for (const next of it) {
            got.push(await next);
            if (got.length === 2) break;
          }
          expect(got).toHaveLength(2);
          for (const next of it) got.push(await next);
        } else {
          for await (const f of it) {
            got.push(yielded<number>(f).result());
            if (got.length === 2) break;
          }
          expect(got).toHaveLength(2);
          for await (const f of it) got.push(yielded<number>(f).result());
        }
        return got;
      });
      expect(collected.sort()).toEqual([0, 1, 2, 3]);
    },
  );

  test('the first awaitable awaited gets the first result, whatever its place (test_as_completed_reverse_wait)', async () => {
    const loop = newLoop();
    const a = later(loop, 1, 'a');
    const b = later(loop, 3, 'b');
    const [x, y] = await loop.runUntilComplete(async () => {
      const nexts = [...asCompleted([a, b])];
      expect(nexts).toHaveLength(2);
      const first = await nexts[1];
      const second = await nexts[0];
      return [first, second];
    });
    expect([x, y]).toEqual(['a', 'b']);
  });

  test.each(BOTH_WAYS)(
    '%s iteration: the items can be awaited concurrently (test_as_completed_concurrent)',
    async (way) => {
      const loop = newLoop();
      const a = later(loop, 2, 'a');
      const b = later(loop, 2, 'b');
      const results = await loop.runUntilComplete(async () => {
        const items: PromiseLike<string>[] = [];
        if (way === 'plain') items.push(...asCompleted([a, b]));
        else items.push(...(await futuresOf(asCompleted([a, b]))));
        expect(items).toHaveLength(2);
        const [done] = await wait(items.map((item) => ensureFuture(item)));
        return [...done].map((f) => f.result()).sort();
      });
      expect(results).toEqual(['a', 'b']);
    },
  );

  test.each(BOTH_WAYS)(
    '%s iteration counts duplicates once (test_as_completed_duplicate_coroutines)',
    async (_way, iterate) => {
      const loop = newLoop();
      const ham = async (): Promise<string> => 'ham';
      const result = await loop.runUntilComplete(() =>
        iterate(asCompleted([ham, ham, async () => 'spam'])),
      );
      expect(result.sort()).toEqual(['ham', 'spam']);
    },
  );

  test('task functions become tasks of the running loop (test_as_completed_coroutine_use_running_loop)', async () => {
    const loop = newLoop();
    const [tasks, value] = await loop.runUntilComplete(async () => {
      const it = asCompleted([async () => 42]);
      const pending = allTasks(loop);
      const [next] = [...it];
      return [pending, await next] as const;
    });
    expect(value).toBe(42);
    // The outer task and the one asCompleted made.
    expect(tasks.size).toBe(2);
  });

  test('an awaitable throws what its future failed with; async iteration yields the failed future', async () => {
    const loop = newLoop();
    const failing = (): Future<never> => {
      const f = loop.createFuture<never>();
      loop.callLater(1, () => f.setException(new RangeError('boom')));
      return f;
    };
    await loop.runUntilComplete(async () => {
      const [next] = [...asCompleted([failing()])];
      await expect(next).rejects.toThrow(RangeError);
      const [f] = await futuresOf(asCompleted([failing()]));
      expect(f.exception()).toBeInstanceOf(RangeError);
    });
  });

  test('iterating both ways shares one count', async () => {
    const loop = newLoop();
    const values = await loop.runUntilComplete(async () => {
      const it = asCompleted([later(loop, 1, 1), later(loop, 2, 2), later(loop, 3, 3)]);
      const first = await it.next().value!;
      const rest = (await futuresOf(it)).map((f) => f.result());
      return [first, rest, it.next().done] as const;
    });
    expect(values).toEqual([1, [2, 3], true]);
  });

  test('no awaitables: both iterations are empty', async () => {
    expect([...asCompleted([])]).toEqual([]);
    const seen: unknown[] = [];
    for await (const f of asCompleted([])) seen.push(f);
    expect(seen).toEqual([]);
  });

  test('a task cancelled while it awaits an item leaves the results to the next items', async () => {
    const loop = newLoop();
    const a = loop.createFuture<string>();
    const b = loop.createFuture<string>();
    const value = await loop.runUntilComplete(async () => {
      const [first, second] = [...asCompleted([a, b])];
      const waiter = loop.createTask(async () => await first);
      await sleep(0);
      await sleep(0);
      waiter.cancel();
      await expect(waiter).rejects.toThrow(CancelledError);
      a.setResult('a');
      return await second;
    });
    expect(value).toBe('a');
    b.cancel();
  });

  test('wrong arguments are TypeErrors, thrown before any task starts (test_as_completed_invalid_args)', () => {
    const loop = newLoop();
    const f = loop.createFuture();
    expect(() => asCompleted(f as never)).toThrow(/aws must be an iterable of futures/);
    expect(() => asCompleted(Promise.resolve(1) as never)).toThrow(TypeError);
    expect(() => asCompleted((async () => 1) as never)).toThrow(TypeError);
    expect(() => asCompleted('ab' as never)).toThrow(TypeError);
    expect(() => asCompleted(42 as never)).toThrow(TypeError);
    expect(() => asCompleted(null as never)).toThrow(TypeError);
    expect(() => asCompleted([async () => 1, 42 as never])).toThrow(/each of aws must be/);
    expect(() => asCompleted([f], null as never)).toThrow(/opts must be an object/);
    expect(() => asCompleted([f], { timeout: '1' as never })).toThrow(
      /opts.timeout must be a number/,
    );
    expect(() => asCompleted([f], { timeout: NaN })).toThrow(RangeError);
    expect(allTasks(null).size).toBe(0);
    f.cancel();
  });

  test('a future of another loop is a RangeError, thrown before any task starts', async () => {
    const loop = newLoop();
    const other = newLoop().createFuture();
    await loop.runUntilComplete(async () => {
      expect(() => asCompleted([async () => 1, other])).toThrow(/different loop/);
      expect(allTasks(loop).size).toBe(1);
    });
    other.cancel();
  });
});

describe('asCompleted with no loop', () => {
  test.each(BOTH_WAYS)('%s iteration works with loop-less futures', async (_way, iterate) => {
    // The order is made, not raced: 'slow' resolves only after 'fast' did
    // (two Node timers 2 ms apart may fire in one batch on a loaded machine,
    // as under the sanitizer run).
    const fast = sleep(1, 'fast');
    const slow = new Future<string>();
    fast.then(() => setTimeout(() => slow.setResult('slow'), 1));
    expect(await iterate(asCompleted([slow, fast, Promise.resolve('now')]))).toEqual([
      'now',
      'fast',
      'slow',
    ]);
  });

  test('the timeout is a Node timer, cleared once everything is done', async () => {
    const before = nodeTimers();
    const it = asCompleted([sleep(1, 'a')], { timeout: 60_000 });
    // Its own and sleep's.
    expect(nodeTimers()).toBe(before + 2);
    expect(await viaIterator(it)).toEqual(['a']);
    expect(nodeTimers()).toBe(before);
  });

  test('on expiry the results not in throw TimeoutError and no timer is left', async () => {
    const before = nodeTimers();
    const never = new Future<string>();
    const got: unknown[] = [];
    for (const next of asCompleted([Promise.resolve('a'), never], { timeout: 5 })) {
      got.push(await next.then(undefined, (e: unknown) => e));
    }
    expect(got[0]).toBe('a');
    expect(got[1]).toBeInstanceOf(TimeoutError);
    expect(never.toString()).toBe('<Future pending>');
    expect(nodeTimers()).toBe(before);
    never.cancel();
  });
});
