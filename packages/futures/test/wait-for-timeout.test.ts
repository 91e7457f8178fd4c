// waitFor in a Task follows Python 3.12+ (tasks.py wait_for is
// `async with timeouts.timeout()`): ports of test_waitfor.py and
// test_timeouts.py cases about a cancellation that races the result.
import { CancelledError, TimeoutError, sleep, waitFor } from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

describe('waitFor never swallows a cancellation of the waiting task', () => {
  test('inner done in the same iteration as cancel(): CancelledError (test_wait_for_issue86296)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture<string>();
    let reachedEnd = false;
    const task = loop.createTask(async () => {
      await waitFor(inner, 100_000);
      await sleep(1);
      reachedEnd = true;
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        inner.setResult('done');
        task.cancel();
      }),
    );
    await expect(loop.runUntilComplete(task)).rejects.toThrow(CancelledError);
    expect(reachedEnd).toBe(false);
    expect(inner.result()).toBe('done');
  });

  test('a cancel() while the timeout expires stays a CancelledError (test_timeouts: nested cancel)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture();
    const task = loop.createTask(async () => await waitFor(inner, 1));
    // The deadline (1 ms) and this cancel() both reach the task before it resumes.
    loop.callLater(1, () => loop.callSoon(() => task.cancel('outer')));
    loop.callLater(5, () => undefined);
    const error = await loop.runUntilComplete(task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(inner.cancelled()).toBe(true);
  });

  test('the deadline alone gives TimeoutError and leaves no cancel request (timeouts.py __aexit__)', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => {
      try {
        await waitFor(loop.createFuture(), 1);
      } catch (error) {
        return [error instanceof TimeoutError, currentCancelling()];
      }
      return null;
    });
    const currentCancelling = (): number => task.cancelling();
    expect(await loop.runUntilComplete(task)).toEqual([true, 0]);
  });

  test('an inner future that suppresses the cancellation gives its result (test_wait_for_cancel_suppressed)', async () => {
    const loop = newLoop();
    const inner = loop.createTask(async () => {
      try {
        await sleep(60_000);
      } catch {
        return 'suppressed';
      }
      return 'slept';
    });
    expect(await loop.runUntilComplete(() => waitFor(inner, 1))).toBe('suppressed');
  });

  test('an inner coroutine cancelled before it started: CancelledError (test_wait_for_issue86296)', async () => {
    const loop = newLoop();
    let reachedEnd = false;
    const main = async (): Promise<void> => {
      const task = loop.createTask(async () => {
        await waitFor(async () => undefined, 100_000);
        await sleep(1000);
        reachedEnd = true;
      });
      await sleep(0);
      expect(task.done()).toBe(false);
      task.cancel();
      await expect(task).rejects.toThrow(CancelledError);
    };
    await loop.runUntilComplete(main);
    expect(reachedEnd).toBe(false);
  });

  test.each([null, 60_000])(
    'cancelling the wait cancels the task it waits for, timeout %p (test_cancel_wait_for, bpo-23219)',
    async (timeout) => {
      const loop = newLoop();
      const main = async (): Promise<void> => {
        const task = loop.createTask(async () => {
          await loop.createFuture();
        });
        const wait = loop.createTask(() => waitFor(task, timeout));
        loop.callSoon(() => wait.cancel());
        await expect(wait).rejects.toThrow(CancelledError);
        expect(task.cancelled()).toBe(true);
      };
      await loop.runUntilComplete(main);
    },
  );
});
