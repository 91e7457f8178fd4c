// Port of test_tasks.py test_ensure_future_* and test_futures.py
// test_wrap_future_*.
import {
  CancelledError,
  Future,
  Task,
  ensureFuture,
  isFuture,
  wrapFuture,
} from '@iocp/futures';
import { captureLogger, closeLoops, deferred, newLoop } from './helpers';

afterEach(closeLoops);

describe('ensureFuture', () => {
  test('returns a future as is (test_ensure_future_future)', () => {
    const loop = newLoop();
    const f = loop.createFuture();
    expect(ensureFuture(f)).toBe(f);
    expect(ensureFuture(f, loop)).toBe(f);
    f.cancel();
  });

  test('a future of another loop is a RangeError', () => {
    const f = newLoop().createFuture();
    expect(() => ensureFuture(f, newLoop())).toThrow(
      'The future belongs to a different loop than the one specified as the loop argument',
    );
    f.cancel();
  });

  test('a loop-less future fits any loop', () => {
    const f = new Future({ loop: null });
    expect(ensureFuture(f, newLoop())).toBe(f);
    f.cancel();
  });

  test('a task function becomes a task of the given loop', async () => {
    const loop = newLoop();
    const task = ensureFuture(async () => 'from task', loop);
    expect(task).toBeInstanceOf(Task);
    expect(task.getLoop()).toBe(loop);
    expect(await loop.runUntilComplete(task)).toBe('from task');
  });

  test('a task function with no loop becomes a loop-less task', async () => {
    const task = ensureFuture(async () => 'loop-less');
    expect(task.getLoop()).toBeNull();
    expect(await task).toBe('loop-less');
  });

  test('a promise is wrapped (test_ensure_future_awaitable)', async () => {
    const loop = newLoop();
    const fut = ensureFuture(Promise.resolve('p'), loop);
    expect(isFuture(fut)).toBe(true);
    expect(fut.getLoop()).toBe(loop);
    expect(await loop.runUntilComplete(fut)).toBe('p');
  });

  test('anything else is a TypeError (test_ensure_future_neither)', () => {
    expect(() => ensureFuture(42 as never)).toThrow(TypeError);
    expect(() => ensureFuture(Promise.resolve(), 'loop' as never)).toThrow(/loop must be an event loop/);
  });
});

describe('wrapFuture', () => {
  test('a future is returned as is (test_wrap_future_future)', () => {
    const f = new Future();
    expect(wrapFuture(f)).toBe(f);
    f.cancel();
  });

  test('settles with the promise', async () => {
    const ok = wrapFuture(Promise.resolve(3));
    expect(ok.getLoop()).toBeNull();
    expect(await ok).toBe(3);
    const failed = wrapFuture(Promise.reject(new TypeError('rejected')));
    await expect(failed).rejects.toThrow('rejected');
    expect(failed.exception()).toBeInstanceOf(TypeError);
  });

  test('a rejection with CancelledError gives a cancelled future with its message', async () => {
    const fut = wrapFuture(Promise.reject(new CancelledError('upstream')));
    await expect(fut).rejects.toThrow('upstream');
    expect(fut.cancelled()).toBe(true);
  });

  test('a rejection with a non-object becomes an Error with the value as cause', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const fut = wrapFuture(Promise.reject(7));
    await expect(fut).rejects.toThrow('7');
    expect(fut.exception()?.cause).toBe(7);
  });

  test('cancelling the wrapper stops waiting but cannot cancel the promise (test_wrap_future_cancel)', async () => {
    const gate = deferred<number>();
    const fut = wrapFuture(gate.promise);
    expect(fut.cancel()).toBe(true);
    gate.resolve(1);
    expect(await gate.promise).toBe(1);
    expect(fut.cancelled()).toBe(true);
  });

  test('a wrapper of a closed loop logs instead of crashing when the promise settles', async () => {
    const log = captureLogger();
    try {
      const loop = newLoop();
      const gate = deferred<number>();
      const fut = wrapFuture(gate.promise, loop);
      fut.addDoneCallback(() => {});
      await loop.close();
      gate.resolve(1);
      await gate.promise;
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.error.some((m) => m.startsWith('wrapFuture could not settle its Future'))).toBe(true);
    } finally {
      log.restore();
    }
  });

  test('a non-thenable is a TypeError', () => {
    expect(() => wrapFuture(5 as never)).toThrow(/promise must be a promise or a thenable/);
  });
});
