// Port of the cancellation cases of Lib/test/test_asyncio/test_tasks.py
// (test_cancel*, test_cancelling, test_uncancel_*).
import { CancelledError, Future, createTask, sleep } from '@iocp/futures';
import type { Task } from '@iocp/futures';
import { closeLoops, deferred, newLoop } from './helpers';

afterEach(closeLoops);

describe('Task.cancel', () => {
  test('cancelling a task while it awaits a future cancels that future and the task', async () => {
    const loop = newLoop();
    const fut = loop.createFuture<number>();
    const seen: unknown[] = [];
    const task = loop.createTask(async () => {
      try {
        return await fut;
      } catch (error) {
        seen.push(error);
        throw error;
      }
    });
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(fut.cancelled()).toBe(true);
    expect(task.cancelled()).toBe(true);
    expect(seen[0]).toBeInstanceOf(CancelledError);
  });

  test('the cancel message reaches the awaiting code and task.result()', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => await fut);
    loop.callSoon(() => loop.callSoon(() => task.cancel('my message')));
    await expect(loop.runUntilComplete(task)).rejects.toThrow('my message');
    expect(() => task.result()).toThrow(new CancelledError('my message'));
    expect(() => task.exception()).toThrow('my message');
  });

  test('a task cancelled before it starts never runs its function', async () => {
    const loop = newLoop();
    let ran = false;
    const task = loop.createTask(async () => {
      ran = true;
    });
    expect(task.cancel('early')).toBe(true);
    expect(task.cancelled()).toBe(false);
    await expect(loop.runUntilComplete(task)).rejects.toThrow('early');
    expect(ran).toBe(false);
    expect(task.cancelled()).toBe(true);
  });

  test('cancel() on a done task returns false', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => 1);
    await loop.runUntilComplete(task);
    expect(task.cancel()).toBe(false);
    expect(task.cancelling()).toBe(0);
    expect(task.result()).toBe(1);
  });

  test('a task that catches CancelledError and returns is not cancelled', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => {
      try {
        await fut;
      } catch (error) {
        if (error instanceof CancelledError) return 42;
        throw error;
      }
      return 0;
    });
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(task.cancelled()).toBe(false);
    expect(fut.cancelled()).toBe(true);
  });

  test('a task that ignores cancellation can go on awaiting other futures', async () => {
    const loop = newLoop();
    const fut1 = loop.createFuture();
    const fut2 = loop.createFuture<number>();
    const task = loop.createTask(async () => {
      try {
        await fut1;
      } catch {
        // ignored
      }
      return await fut2;
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        task.cancel();
        loop.callSoon(() => loop.callSoon(() => fut2.setResult(5)));
      }),
    );
    expect(await loop.runUntilComplete(task)).toBe(5);
    expect(fut1.cancelled()).toBe(true);
    expect(task.cancelled()).toBe(false);
  });

  test('cancel while awaiting a plain promise is delivered at the next future await', async () => {
    const loop = newLoop();
    const gate = deferred<void>();
    const fut = loop.createFuture();
    const events: string[] = [];
    const task = loop.createTask(async (signal) => {
      await gate.promise;
      events.push(`aborted=${signal.aborted}`);
      try {
        await fut;
      } catch (error) {
        events.push((error as Error).name);
        throw error;
      }
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        expect(task.cancel('later')).toBe(true);
        gate.resolve();
      }),
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow('later');
    expect(events).toEqual(['aborted=true', 'CancelledError']);
    expect(fut.cancelled()).toBe(true);
  });

  test('a task cancelled while awaiting a promise ends cancelled if it then returns', async () => {
    const loop = newLoop();
    const gate = deferred<void>();
    const task = loop.createTask(async () => {
      await gate.promise;
      return 'finished anyway';
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        task.cancel('at end');
        gate.resolve();
      }),
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow('at end');
    expect(task.cancelled()).toBe(true);
  });

  test('cancel aborts the signal with a CancelledError reason, once', async () => {
    const loop = newLoop();
    const reasons: unknown[] = [];
    const task = loop.createTask(async (signal) => {
      signal.addEventListener('abort', () => reasons.push(signal.reason));
      await sleep(1000);
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        task.cancel('first');
        task.cancel('second');
      }),
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(CancelledError);
    expect((reasons[0] as Error).message).toBe('first');
  });

  test('an AbortError from an aborted signal ends the task cancelled', async () => {
    const loop = newLoop();
    const task = loop.createTask(async (signal) => {
      await new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          const error = new Error('The operation was aborted');
          error.name = 'AbortError';
          reject(error);
        });
      });
    });
    loop.callSoon(() => loop.callSoon(() => task.cancel('via signal')));
    await expect(loop.runUntilComplete(task)).rejects.toThrow('via signal');
    expect(task.cancelled()).toBe(true);
  });

  test('an AbortError without a cancel() request is an ordinary exception', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => {
      const error = new Error('aborted elsewhere');
      error.name = 'AbortError';
      throw error;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow('aborted elsewhere');
    expect(task.cancelled()).toBe(false);
  });

  test('cancelling a task cancels the task it awaits', async () => {
    const loop = newLoop();
    const inner = loop.createTask(async () => await sleep(10_000));
    const outer = loop.createTask(async () => await inner);
    loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => outer.cancel())));
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(CancelledError);
    expect(inner.cancelled()).toBe(true);
    expect(outer.cancelled()).toBe(true);
  });

  test('cancel reaches a future awaited deep inside helper functions', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    async function level2(): Promise<unknown> {
      return await fut;
    }
    async function level1(): Promise<unknown> {
      return await level2();
    }
    const task = loop.createTask(level1);
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(fut.cancelled()).toBe(true);
  });

  test('Promise.all of futures: cancel reaches the task through the last future read, not the others', async () => {
    // Promise.all reads each future as an await does; the last one read is
    // the task's waiter (task-step.ts). Use gather() to cancel them all.
    const loop = newLoop();
    const a = loop.createFuture();
    const b = loop.createFuture();
    const task = loop.createTask(async () => await Promise.all([a, b]));
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(a.cancelled()).toBe(false);
    expect(b.cancelled()).toBe(true);
    a.cancel();
  });

  test('a sleeping task is cancelled together with its sleep timer', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => {
      await sleep(60_000);
    });
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(loop.isRunning()).toBe(false);
  });

  test('cancel() with a non-string message is a TypeError', () => {
    const task = newLoop().createTask(async () => {});
    expect(() => task.cancel({} as never)).toThrow(/msg must be a string/);
    task.cancel();
  });
});

describe('cancelling() and uncancel()', () => {
  test('count cancellation requests', () => {
    const task = newLoop().createTask(async () => {});
    expect(task.cancelling()).toBe(0);
    task.cancel();
    task.cancel();
    expect(task.cancelling()).toBe(2);
    expect(task.uncancel()).toBe(1);
    expect(task.uncancel()).toBe(0);
    expect(task.uncancel()).toBe(0);
  });

  test('uncancel back to zero withdraws an undelivered request', async () => {
    const loop = newLoop();
    const gate = deferred<void>();
    const fut = loop.createFuture<string>();
    const task = loop.createTask(async () => {
      await gate.promise;
      return await fut;
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        task.cancel();
        task.uncancel();
        gate.resolve();
        loop.callLater(1, () => fut.setResult('not cancelled'));
      }),
    );
    expect(await loop.runUntilComplete(task)).toBe('not cancelled');
  });

  test('a task that uncancels after catching can be cancelled again', async () => {
    const loop = newLoop();
    const first = loop.createFuture();
    const second = loop.createFuture();
    const caught: string[] = [];
    const task: Task<void> = loop.createTask(async (): Promise<void> => {
      try {
        await first;
      } catch {
        caught.push('first');
        task.uncancel();
      }
      await second;
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        task.cancel();
        loop.callSoon(() => loop.callSoon(() => task.cancel('again')));
      }),
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow('again');
    expect(caught).toEqual(['first']);
    expect(task.cancelling()).toBe(1);
  });
});

describe('loop-less task cancellation', () => {
  test('cancelling a loop-less task cancels the loop-less future it awaits', async () => {
    const fut = new Future<number>();
    const task = createTask(async () => await fut);
    await new Promise((resolve) => setImmediate(resolve));
    task.cancel('no loop');
    await expect(task).rejects.toThrow('no loop');
    expect(fut.cancelled()).toBe(true);
    expect(task.cancelled()).toBe(true);
  });

  test('a loop-less task cancelled in a plain await sees the signal abort', async () => {
    let aborted = false;
    const task = createTask(async (signal) => {
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
      return 'returned';
    });
    await Promise.resolve();
    task.cancel();
    await expect(task).rejects.toThrow(CancelledError);
    expect(aborted).toBe(true);
  });
});
