// Task.cancel() reaches only the future the task is suspended on (tasks.py
// Task._fut_waiter), and a request is delivered once (Task._must_cancel,
// cleared by Task.__step when it throws). Ports of test_tasks.py cases
// (test_cancel_task_ignoring, test_cancel_both_task_and_inner_future,
// test_cancel_at_end) and of the regressions.
import { CancelledError, createTask, Future, sleep } from '@iocp/futures';
import type { BaseEventLoop, Task } from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

/** Runs `loop` until both tasks are started and suspended, then calls `fn`. */
function afterStart(loop: BaseEventLoop, fn: () => void): void {
  loop.callSoon(() => loop.callSoon(() => loop.callSoon(fn)));
}

describe('cancel() cancels only the waiter, never a shared future', () => {
  // Each `touch` makes the cancelled task's context use `shared` without
  // waiting on it; another task waits on `shared` and must not see
  // CancelledError.
  const touches: [string, (shared: Future<number>) => void][] = [
    ['an explicit .then()', (shared) => void shared.then(() => undefined)],
    ['Promise.resolve(future)', (shared) => void Promise.resolve(shared).then(() => undefined)],
    [
      'a fire-and-forget async function',
      (shared) =>
        void (async () => {
          await shared;
        })(),
    ],
  ];

  test.each(touches)('%s', async (_name, touch) => {
    const loop = newLoop();
    const shared = loop.createFuture<number>();
    const cancelled = loop.createTask(async () => {
      touch(shared);
      await sleep(60_000);
    });
    const other = loop.createTask(async () => await shared);
    afterStart(loop, () => {
      expect(cancelled.cancel()).toBe(true);
      loop.callSoon(() => shared.setResult(7));
    });
    await expect(loop.runUntilComplete(cancelled)).rejects.toThrow(CancelledError);
    expect(shared.cancelled()).toBe(false);
    expect(await loop.runUntilComplete(other)).toBe(7);
  });

  test('a loop-less task touching a shared loop-less future', async () => {
    const shared = new Future<number>({ loop: null });
    const cancelled = createTask(async () => {
      void shared.then(() => undefined);
      await sleep(60_000);
    });
    const other = createTask(async () => await shared);
    await new Promise((resolve) => setImmediate(resolve));
    cancelled.cancel();
    await expect(cancelled).rejects.toThrow(CancelledError);
    shared.setResult(3);
    expect(await other).toBe(3);
  });

  test('the waiter is the future awaited through helper functions (test_cancel_task_ignoring)', async () => {
    const loop = newLoop();
    const fut1 = loop.createFuture();
    const fut2 = loop.createFuture();
    const fut3 = loop.createFuture<number>();
    const task = loop.createTask(async () => {
      await fut1;
      try {
        await (async () => await fut2)();
      } catch {
        // ignored
      }
      return await fut3;
    });
    afterStart(loop, () => {
      expect(task._waiter).toBe(fut1);
      fut1.setResult(undefined);
      loop.callSoon(() =>
        loop.callSoon(() => {
          expect(task._waiter).toBe(fut2);
          task.cancel();
          expect(fut2.cancelled()).toBe(true);
          loop.callSoon(() =>
            loop.callSoon(() => {
              expect(task._waiter).toBe(fut3);
              fut3.setResult(42);
            }),
          );
        }),
      );
    });
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(fut3.cancelled()).toBe(false);
    expect(task.cancelled()).toBe(false);
  });
});

describe('a cancel() request is delivered once', () => {
  test('two cancel() calls throw one CancelledError; cleanup is not cancelled again', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const events: string[] = [];
    const task: Task<string> = loop.createTask(async () => {
      try {
        await fut;
      } catch (error) {
        events.push((error as Error).message);
      }
      await sleep(1);
      events.push('cleanup done');
      return 'cleaned up';
    });
    afterStart(loop, () => {
      expect(task.cancel('first')).toBe(true);
      expect(task.cancel('second')).toBe(true);
    });
    expect(await loop.runUntilComplete(task)).toBe('cleaned up');
    expect(events).toEqual(['first', 'cleanup done']);
    expect(task.cancelling()).toBe(2);
  });

  test('a cancel() after the first was delivered cancels again', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => {
      try {
        await fut;
      } catch {
        // the first one is ignored
      }
      await sleep(60_000);
    });
    afterStart(loop, () => {
      task.cancel();
      loop.callSoon(() => loop.callSoon(() => task.cancel('again')));
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow('again');
  });

  test('cancel() of the task and its inner future: one CancelledError (test_cancel_both_task_and_inner_future)', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    let caught = 0;
    const task = loop.createTask(async () => {
      try {
        await fut;
      } catch {
        caught += 1;
      }
      await sleep(1);
      return 42;
    });
    afterStart(loop, () => {
      fut.cancel();
      task.cancel();
    });
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(caught).toBe(1);
  });
});

describe('cancel() after the awaited future finished, before the task resumed', () => {
  test('returns true and the task gets CancelledError at that await (Task.__step _must_cancel)', async () => {
    const loop = newLoop();
    const fut = loop.createFuture<number>();
    const events: string[] = [];
    const task = loop.createTask(async () => {
      const value = await fut;
      events.push(`resumed with ${value}`);
      return value;
    });
    afterStart(loop, () => {
      fut.setResult(1);
      expect(task.cancel('late')).toBe(true);
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow('late');
    expect(events).toEqual([]);
    expect(fut.result()).toBe(1);
    expect(task.cancelled()).toBe(true);
  });

  test('the task may catch it and go on', async () => {
    const loop = newLoop();
    const fut = loop.createFuture<number>();
    const task = loop.createTask(async () => {
      try {
        return await fut;
      } catch (error) {
        if (error instanceof CancelledError) return -1;
        throw error;
      }
    });
    afterStart(loop, () => {
      fut.setResult(1);
      task.cancel();
    });
    expect(await loop.runUntilComplete(task)).toBe(-1);
  });

  test('a loop-less task too', async () => {
    const fut = new Future<number>({ loop: null });
    const events: string[] = [];
    const task = createTask(async () => {
      events.push(`resumed with ${await fut}`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    fut.setResult(1);
    expect(task.cancel()).toBe(true);
    await expect(task).rejects.toThrow(CancelledError);
    expect(events).toEqual([]);
  });

  test('a task that cancels itself and returns ends cancelled (test_cancel_at_end)', async () => {
    const loop = newLoop();
    const task: Task<number> = loop.createTask(async () => {
      task.cancel();
      return 12;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task.cancelled()).toBe(true);
    expect(task.cancel()).toBe(false);
  });

  test('a task that cancels itself gets it at its next await (test_cancel_current_task)', async () => {
    const loop = newLoop();
    let mustCancel: boolean | undefined;
    const task: Task<number> = loop.createTask(async () => {
      task.cancel();
      mustCancel = task._mustCancel;
      await sleep(100_000);
      return 12;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(mustCancel).toBe(true);
    expect(task.cancelled()).toBe(true);
    expect(task._mustCancel).toBe(false);
  });
});

describe('the waiter (Task._fut_waiter)', () => {
  test('cancel() cancels the waiter, which is cleared once the task resumed (test_task_cancel_waiter_future)', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => {
      await fut;
    });
    afterStart(loop, () => {
      expect(task._waiter).toBe(fut);
      task.cancel();
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(task._waiter).toBeNull();
    expect(fut.cancelled()).toBe(true);
  });

  test('a task catching the cancellation of its waiter returns normally (test_cancel_task_catching)', async () => {
    const loop = newLoop();
    const fut1 = loop.createFuture();
    const fut2 = loop.createFuture();
    const task = loop.createTask(async () => {
      await fut1;
      try {
        await fut2;
      } catch (error) {
        if (error instanceof CancelledError) return 42;
        throw error;
      }
      return 0;
    });
    afterStart(loop, () => {
      expect(task._waiter).toBe(fut1);
      fut1.setResult(null);
      loop.callSoon(() =>
        loop.callSoon(() => {
          expect(task._waiter).toBe(fut2);
          task.cancel();
          expect(fut2.cancelled()).toBe(true);
        }),
      );
    });
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(task.cancelled()).toBe(false);
  });

  test('toString() shows the waiter', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => await fut, { name: 'w' });
    let shown = '';
    afterStart(loop, () => {
      shown = task.toString();
      fut.setResult(1);
    });
    await loop.runUntilComplete(task);
    expect(shown).toBe(
      "<Task pending name='w' wait_for=<Future pending cb=[Task.taskWakeup()]> cb=[stopLoop()]>",
    );
  });
});

