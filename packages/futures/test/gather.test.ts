// Port of test_tasks.py GatherTestsBase / FutureGatherTests / CoroutineGatherTests.
import { CancelledError, Future, GatheringFuture, gather, sleep } from '@iocp/futures';
import { closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

describe('gather', () => {
  test('resolves to the results in argument order (test_one_exception counterpart)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<string>();
    const c = loop.createFuture<boolean>();
    const fut = gather(a, b, c);
    expect(fut).toBeInstanceOf(GatheringFuture);
    c.setResult(true);
    a.setResult(1);
    b.setResult('two');
    await runBriefly(loop);
    expect(fut.result()).toEqual([1, 'two', true]);
  });

  test('takes an array and options as well as arguments', async () => {
    const loop = newLoop();
    const results = await loop.runUntilComplete(() =>
      Promise.all([
        gather([sleep(1, 'a'), Promise.resolve('b')]),
        gather(sleep(1, 'c'), async () => 'd'),
        gather([sleep(1, 'e')], { returnExceptions: false }),
      ]),
    );
    expect(results).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('with nothing to gather resolves to an empty list', async () => {
    expect(await gather()).toEqual([]);
    expect(await gather([])).toEqual([]);
  });

  test('the first exception fails the gather; the other children go on', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    const fut = gather(a, b);
    a.setException(new RangeError('first'));
    await runBriefly(loop);
    expect(() => fut.result()).toThrow('first');
    expect(b.done()).toBe(false);
    b.setResult(2);
    await runBriefly(loop);
    expect(b.result()).toBe(2);
  });

  test('returnExceptions puts errors and cancellations among the results', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    const c = loop.createFuture<number>();
    const fut = gather([a, b, c], { returnExceptions: true });
    const error = new Error('b failed');
    a.setResult(1);
    b.setException(error);
    c.cancel('c cancelled');
    await runBriefly(loop);
    const [ra, rb, rc] = fut.result();
    expect(ra).toBe(1);
    expect(rb).toBe(error);
    expect(rc).toBeInstanceOf(CancelledError);
    expect((rc as Error).message).toBe('c cancelled');
  });

  test('a cancelled child fails the gather with CancelledError, the gather itself not cancelled', async () => {
    const loop = newLoop();
    const a = loop.createFuture();
    const b = loop.createFuture();
    const fut = gather(a, b);
    a.cancel('child');
    await runBriefly(loop);
    expect(fut.cancelled()).toBe(false);
    expect(() => fut.result()).toThrow(new CancelledError('child'));
    b.cancel();
  });

  test('cancelling the gather cancels the pending children and fails it with CancelledError', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    a.setResult(1);
    const fut = gather(a, b);
    expect(fut.cancel('outer')).toBe(true);
    expect(fut.done()).toBe(false);
    expect(b.cancelled()).toBe(true);
    await runBriefly(loop);
    expect(() => fut.result()).toThrow(CancelledError);
  });

  test('a cancelled gather fails even with returnExceptions (bpo-32684)', async () => {
    const loop = newLoop();
    const a = loop.createFuture();
    const fut = gather([a], { returnExceptions: true });
    fut.cancel();
    await runBriefly(loop);
    expect(() => fut.result()).toThrow(CancelledError);
  });

  test('cancel() returns false once the gather is done or no child could be cancelled', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    a.setResult(1);
    const fut = gather(a);
    expect(fut.cancel()).toBe(false);
    await runBriefly(loop);
    expect(fut.cancel()).toBe(false);
    expect(() => fut.cancel(3 as never)).toThrow(TypeError);
  });

  test('the same future twice is awaited once and reported twice', async () => {
    const loop = newLoop();
    const a = loop.createFuture<string>();
    const fut = gather(a, a);
    a.setResult('dup');
    await runBriefly(loop);
    expect(fut.result()).toEqual(['dup', 'dup']);
  });

  test('task functions become tasks of the running loop', async () => {
    const loop = newLoop();
    const result = await loop.runUntilComplete(
      async () => await gather(async () => 1, async () => 2),
    );
    expect(result).toEqual([1, 2]);
  });

  test('the gathering future belongs to the children loop', async () => {
    const loop = newLoop();
    const a = loop.createFuture();
    const fut = gather(new Future({ loop: null }), a);
    expect(fut.getLoop()).toBe(loop);
    fut.cancel();
    await runBriefly(loop);
    expect(() => fut.result()).toThrow(CancelledError);
  });

  test('works with no loop: loop-less children, loop-less gather', async () => {
    const fut = gather(sleep(1, 'x'), Promise.resolve('y'));
    expect(fut.getLoop()).toBeNull();
    expect(await fut).toEqual(['x', 'y']);
  });

  test('children of different loops are a RangeError', () => {
    const a = newLoop().createFuture();
    const b = newLoop().createFuture();
    expect(() => gather(a, b)).toThrow(RangeError);
    a.cancel();
    b.cancel();
  });

  test('wrong arguments are TypeErrors', () => {
    expect(() => gather(5 as never)).toThrow(TypeError);
    expect(() => gather([], { returnExceptions: 'yes' as never })).toThrow(
      /opts.returnExceptions must be a boolean/,
    );
  });
});
