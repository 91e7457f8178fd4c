// Port of test_tasks.py test_sleep* and test_waitfor.py / test_wait_for*.
import { CancelledError, Future, TimeoutError, createTask, sleep, waitFor } from '@iocp/futures';
import { closeLoops, deferred, newLoop } from './helpers';

afterEach(closeLoops);

describe('sleep', () => {
  test('resolves to its value after the delay, on the loop clock', async () => {
    const loop = newLoop();
    const start = loop.time();
    const value = await loop.runUntilComplete(async () => await sleep(10, 'yeah'));
    expect(value).toBe('yeah');
    expect(loop.time() - start).toBeGreaterThanOrEqual(10);
  });

  test('inside a loop it is a future of that loop driven by a loop timer', async () => {
    const loop = newLoop();
    const [fut, timers] = await loop.runUntilComplete(async () => {
      const f = sleep(30_000);
      return [f, loop._scheduled.length] as const;
    });
    expect(fut.getLoop()).toBe(loop);
    expect(timers).toBe(1);
    fut.cancel();
  });

  test('sleep(0) yields exactly one loop iteration', async () => {
    const loop = newLoop();
    const order: string[] = [];
    await loop.runUntilComplete(async () => {
      loop.callSoon(() => order.push('callback'));
      await sleep(0);
      order.push('after sleep');
    });
    expect(order).toEqual(['callback', 'after sleep']);
  });

  test('cancelling a sleep cancels its loop timer', async () => {
    const loop = newLoop();
    let fut: Future<void> | undefined;
    await loop.runUntilComplete(async () => {
      fut = sleep(60_000);
      fut.cancel();
      await sleep(0);
    });
    expect(fut!.cancelled()).toBe(true);
    expect(loop._scheduled.length).toBe(0);
  });

  test('without a loop it is a loop-less future on a Node timer', async () => {
    const fut = sleep(2, 'no loop');
    expect(fut.getLoop()).toBeNull();
    expect(await fut).toBe('no loop');
  });

  test('without a loop, cancelling clears the Node timer', async () => {
    const count = (): number =>
      process.getActiveResourcesInfo().filter((n) => n === 'Timeout').length;
    const before = count();
    const fut = sleep(60_000);
    expect(count()).toBe(before + 1);
    fut.cancel();
    await Promise.resolve();
    expect(count()).toBe(before);
    await expect(fut).rejects.toThrow(CancelledError);
  });

  test('wrong delays are TypeError or RangeError', () => {
    expect(() => sleep('1' as never)).toThrow(/ms must be a number/);
    expect(() => sleep(NaN)).toThrow(RangeError);
  });
});

describe('waitFor', () => {
  test('returns the result when the awaitable finishes in time and cancels its timer', async () => {
    const loop = newLoop();
    const result = await loop.runUntilComplete(async () => waitFor(sleep(1, 'quick'), 10_000));
    expect(result).toBe('quick');
    // The timeout handle is cancelled (and dropped from the heap at the end
    // of the iteration that cancelled it).
    expect(loop._scheduled.length - loop._timerCancelledCount).toBe(0);
  });

  test('times out with TimeoutError and cancels the inner future', async () => {
    const loop = newLoop();
    const inner = loop.createFuture();
    await expect(loop.runUntilComplete(() => waitFor(inner, 5))).rejects.toThrow(TimeoutError);
    expect(inner.cancelled()).toBe(true);
  });

  test('the TimeoutError has the CancelledError as its cause', async () => {
    const loop = newLoop();
    const error = await loop
      .runUntilComplete(() => waitFor(loop.createFuture(), 1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).cause).toBeInstanceOf(CancelledError);
  });

  test('on timeout a task is cancelled and waited for (test_wait_for_waits_for_task_cancellation)', async () => {
    const loop = newLoop();
    const events: string[] = [];
    const inner = loop.createTask(async () => {
      try {
        await sleep(60_000);
      } finally {
        events.push('cleanup started');
        await sleep(1);
        events.push('cleanup done');
      }
    });
    await expect(
      loop.runUntilComplete(async () => {
        try {
          return await waitFor(inner, 2);
        } finally {
          events.push('waitFor returned');
        }
      }),
    ).rejects.toThrow(TimeoutError);
    expect(events).toEqual(['cleanup started', 'cleanup done', 'waitFor returned']);
    expect(inner.cancelled()).toBe(true);
  });

  test('an inner task that fails while cancelled propagates its own error (bpo-40607)', async () => {
    const loop = newLoop();
    const inner = loop.createTask(async () => {
      try {
        await sleep(60_000);
      } catch {
        throw new Error('failed during cancellation');
      }
    });
    await expect(loop.runUntilComplete(() => waitFor(inner, 1))).rejects.toThrow(
      'failed during cancellation',
    );
  });

  test('a task function is started as a task and cancelled through its signal', async () => {
    const loop = newLoop();
    let aborted = false;
    await expect(
      loop.runUntilComplete(() =>
        waitFor(async (signal) => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
          await sleep(60_000);
        }, 2),
      ),
    ).rejects.toThrow(TimeoutError);
    expect(aborted).toBe(true);
  });

  test('ms null waits without a limit', async () => {
    const loop = newLoop();
    expect(await loop.runUntilComplete(() => waitFor(sleep(1, 'v'), null))).toBe('v');
  });

  test('ms <= 0 returns a done result and times out a pending one (test_wait_for_timeout_less_then_0_or_0)', async () => {
    const loop = newLoop();
    const done = loop.createFuture<string>();
    done.setResult('ready');
    expect(await loop.runUntilComplete(() => waitFor(done, 0))).toBe('ready');
    const pending = loop.createFuture();
    await expect(loop.runUntilComplete(() => waitFor(pending, -1))).rejects.toThrow(TimeoutError);
    expect(pending.cancelled()).toBe(true);
  });

  test('an error of the awaitable propagates', async () => {
    const loop = newLoop();
    const failing = loop.createFuture();
    loop.callSoon(() => failing.setException(new TypeError('inner error')));
    await expect(loop.runUntilComplete(() => waitFor(failing, 1000))).rejects.toThrow('inner error');
  });

  test('cancelling the waiting task cancels the inner future too (test_wait_for_cancellation)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture();
    const outer = loop.createTask(async () => await waitFor(inner, 60_000));
    loop.callSoon(() => loop.callSoon(() => outer.cancel('outer cancelled')));
    await expect(loop.runUntilComplete(outer)).rejects.toThrow('outer cancelled');
    expect(inner.cancelled()).toBe(true);
    expect(outer.cancelled()).toBe(true);
  });

  test('a promise that takes too long times out and is left alone', async () => {
    const loop = newLoop();
    const gate = deferred<string>();
    await expect(loop.runUntilComplete(() => waitFor(gate.promise, 2))).rejects.toThrow(
      TimeoutError,
    );
    gate.resolve('late');
    expect(await gate.promise).toBe('late');
  });

  test('works with no loop: times out on a Node timer and cancels the inner future', async () => {
    const inner = new Future<number>();
    await expect(waitFor(inner, 2)).rejects.toThrow(TimeoutError);
    expect(inner.cancelled()).toBe(true);
    expect(await waitFor(sleep(1, 4), 1000)).toBe(4);
  });

  test('works in a loop-less task that gets cancelled', async () => {
    const inner = new Future<number>();
    const task = createTask(async () => await waitFor(inner, 60_000));
    await new Promise((resolve) => setImmediate(resolve));
    task.cancel();
    await expect(task).rejects.toThrow(CancelledError);
    expect(inner.cancelled()).toBe(true);
  });

  test('wrong arguments are synchronous TypeError or RangeError', () => {
    expect(() => waitFor(5 as never, 1)).toThrow(/aw must be a Future, a promise or a function/);
    expect(() => waitFor(Promise.resolve(), '1' as never)).toThrow(/ms must be a number/);
    expect(() => waitFor(Promise.resolve(), NaN)).toThrow(RangeError);
  });
});
