// Loop-less futures: no BaseEventLoop runs, callbacks run as microtasks.
import { CancelledError, Future, getRunningLoopOrNull } from '@iocp/futures';
import { captureLogger, closeLoops, newLoop, tick } from './helpers';

afterEach(closeLoops);

describe('a future with no loop', () => {
  test('belongs to no loop when none runs', () => {
    expect(getRunningLoopOrNull()).toBeNull();
    const f = new Future();
    expect(f.getLoop()).toBeNull();
    f.cancel();
  });

  test('runs its done callbacks as microtasks, in order, not synchronously', async () => {
    const f = new Future<number>();
    const order: string[] = [];
    f.addDoneCallback(() => order.push('a'));
    f.addDoneCallback(() => order.push('b'));
    f.setResult(1);
    order.push('after setResult');
    await Promise.resolve();
    expect(order).toEqual(['after setResult', 'a', 'b']);
  });

  test('schedules a callback added after it is done on the microtask queue', async () => {
    const f = new Future<number>();
    f.setResult(1);
    const seen: number[] = [];
    f.addDoneCallback((g) => seen.push(g.result()));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([1]);
  });

  test('can be awaited from a plain async function', async () => {
    const f = new Future<string>();
    setImmediate(() => f.setResult('from node'));
    expect(await f).toBe('from node');
  });

  test('rejects its awaiters with the exception it was given', async () => {
    const f = new Future<string>();
    setImmediate(() => f.setException(new Error('io failed')));
    await expect(f).rejects.toThrow('io failed');
  });

  test('rejects its awaiters with CancelledError when cancelled', async () => {
    const f = new Future<string>();
    const waiting = f.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    f.cancel('gone');
    const error = await waiting;
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe('gone');
  });

  test('logs a callback that throws through the logger and runs the others', async () => {
    const log = captureLogger();
    try {
      const f = new Future<number>();
      const seen: string[] = [];
      f.addDoneCallback(function explode() {
        throw new Error('bad callback');
      });
      f.addDoneCallback(() => seen.push('second'));
      f.setResult(1);
      await tick();
      expect(seen).toEqual(['second']);
      expect(log.error).toHaveLength(1);
      expect(log.error[0]).toMatch(/^Exception in callback explode\(/);
      expect(log.error[0]).toContain('bad callback');
    } finally {
      log.restore();
    }
  });

  test('explicit {loop: null} makes a loop-less future even inside a running loop', async () => {
    const loop = newLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      const f = new Future<number>({ loop: null });
      f.addDoneCallback(() => order.push('microtask callback'));
      f.setResult(1);
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['microtask callback']);
  });
});
