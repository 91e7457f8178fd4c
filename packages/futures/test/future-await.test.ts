// `await future`: a Future is a native promise whose `constructor` getter
// lets the engine await it directly (future.ts). These pin down what users
// see: values, errors, cancellation, retrieval, no unhandled rejections,
// and the Task's view of what it awaits.
import { CancelledError, Future, RuntimeError, Task } from '@iocp/futures';
import { captureExceptions, closeLoops, collect, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

describe('await future', () => {
  test('a future is a promise; Promise methods on it make plain promises', async () => {
    const f = new Future<number>({ loop: null });
    expect(f).toBeInstanceOf(Promise);
    const derived = Promise.prototype.then.call(f, (v: number) => v + 1);
    expect(derived).not.toBeInstanceOf(Future);
    f.setResult(1);
    expect(await derived).toBe(2);
  });

  test('awaiting a pending future gets its result once it is set', async () => {
    const f = new Future<string>({ loop: null });
    setTimeout(() => f.setResult('later'), 5);
    expect(await f).toBe('later');
  });

  test('awaiting a done future gets its result, again and again', async () => {
    const f = new Future<number>({ loop: null });
    f.setResult(7);
    expect(await f).toBe(7);
    expect(await f).toBe(7);
  });

  test('awaiting a failed future throws its exception, before or after it failed', async () => {
    const early = new Future({ loop: null });
    early.setException(new RangeError('early'));
    await expect((async () => await early)()).rejects.toThrow('early');
    const late = new Future({ loop: null });
    const waiting = (async () => await late)();
    late.setException(new RangeError('late'));
    await expect(waiting).rejects.toThrow('late');
  });

  test('awaiting a cancelled future throws CancelledError with the message', async () => {
    const f = new Future({ loop: null });
    const waiting = (async () => await f)();
    f.cancel('stop');
    await expect(waiting).rejects.toThrow(CancelledError);
    await expect(waiting).rejects.toThrow('stop');
  });

  test('a failure an await took is retrieved: never reported', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    await (async () => {
      const taken = loop.createFuture();
      const waiting = (async () => await taken)();
      taken.setException(new RangeError('taken'));
      await waiting.catch(() => undefined);
      // A control future nobody awaits proves the collector ran.
      loop.createFuture().setException(new RangeError('control'));
    })();
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    expect(seen.map((c) => (c.exception as Error).message)).toEqual(['control']);
  });

  test('a future never makes Node report an unhandled rejection', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      // Promise.resolve(f) is f itself: it counts as awaited, but nobody
      // handles it; the future still does not leave an unhandled rejection.
      const f = new Future({ loop: null });
      expect(Promise.resolve(f)).toBe(f);
      f.setException(new RangeError('nobody listens'));
      const g = new Future({ loop: null });
      g.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  test('toString and util.inspect show the future, not its native promise', async () => {
    const { inspect } = await import('node:util');
    const f = new Future<number>({ loop: null });
    f.setResult(3);
    expect(String(f)).toBe('<Future finished result=3>');
    expect(inspect(f)).toBe('<Future finished result=3>');
  });

  test('a subclass is awaited the same way and keeps its name', async () => {
    class MyFuture<T> extends Future<T> {}
    const f = new MyFuture<number>({ loop: null });
    expect(String(f)).toBe('<MyFuture pending>');
    setTimeout(() => f.setResult(5), 1);
    expect(await f).toBe(5);
  });
});

describe('await future inside a Task', () => {
  test('the task sees what it awaits, and cancel() cancels that future', async () => {
    const loop = newLoop();
    const inner = loop.createFuture<number>();
    let seenInside: unknown;
    const task = loop.createTask(async () => {
      try {
        await inner;
      } catch (err) {
        seenInside = err;
        throw err;
      }
    });
    await runBriefly(loop);
    expect(String(task)).toContain('wait_for=<Future pending cb=[Task.taskWakeup()]>');
    task.cancel('bye');
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(inner.cancelled()).toBe(true);
    expect(seenInside).toBeInstanceOf(CancelledError);
  });

  test('a task awaiting itself gets RuntimeError at the await', async () => {
    const loop = newLoop();
    const holder: { task?: Task<unknown> } = {};
    holder.task = loop.createTask(async () => {
      await (holder.task as Task<unknown>);
    });
    await expect(loop.runUntilComplete(holder.task)).rejects.toThrow(RuntimeError);
    await expect(loop.runUntilComplete(holder.task)).rejects.toThrow('Task cannot await on itself');
  });

  test('a task awaiting a future of another loop gets RuntimeError at the await', async () => {
    const loop = newLoop();
    const other = newLoop();
    const foreign = other.createFuture();
    const task = loop.createTask(async () => {
      await foreign;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/attached to a different loop/);
  });

  test('once the awaited future is done, the task no longer waits for it', async () => {
    const loop = newLoop();
    const inner = loop.createFuture<number>();
    const task = loop.createTask(async () => {
      const v = await inner;
      return v * 2;
    });
    await runBriefly(loop);
    inner.setResult(21);
    expect(await loop.runUntilComplete(task)).toBe(42);
    expect(String(task)).not.toContain('wait_for');
  });
});
