// Port of test_tasks.py test_wait*.
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  sleep,
  wait,
} from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

describe('wait', () => {
  test('the returnWhen constants are the asyncio names', () => {
    expect([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]).toEqual([
      'FIRST_COMPLETED',
      'FIRST_EXCEPTION',
      'ALL_COMPLETED',
    ]);
  });

  test('waits for all by default and returns done and pending sets (test_wait)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    loop.callLater(1, () => a.setResult(1));
    loop.callLater(3, () => b.setResult(2));
    const [done, pending] = await loop.runUntilComplete(() => wait([b, a]));
    expect(done).toEqual(new Set([a, b]));
    expect(pending.size).toBe(0);
  });

  test('FIRST_COMPLETED returns after the first one (test_wait_first_completed)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    loop.callLater(1, () => a.setResult(1));
    const [done, pending] = await loop.runUntilComplete(() =>
      wait([a, b], { returnWhen: FIRST_COMPLETED }),
    );
    expect(done).toEqual(new Set([a]));
    expect(pending).toEqual(new Set([b]));
    b.cancel();
  });

  test('FIRST_EXCEPTION returns at the first error (test_wait_first_exception)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    loop.callLater(1, () => b.setException(new Error('b failed')));
    const [done, pending] = await loop.runUntilComplete(() =>
      wait([a, b], { returnWhen: FIRST_EXCEPTION }),
    );
    expect(done).toEqual(new Set([b]));
    expect(pending).toEqual(new Set([a]));
    a.cancel();
  });

  test('FIRST_EXCEPTION without any error waits for all', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    loop.callLater(1, () => a.setResult(1));
    loop.callLater(2, () => b.setResult(2));
    const [done] = await loop.runUntilComplete(() => wait([a, b], { returnWhen: FIRST_EXCEPTION }));
    expect(done.size).toBe(2);
  });

  test('a timeout returns what is done without throwing (test_wait_with_timeout)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const slow = loop.createFuture<number>();
    loop.callLater(1, () => a.setResult(1));
    const [done, pending] = await loop.runUntilComplete(() => wait([a, slow], { timeout: 5 }));
    expect(done).toEqual(new Set([a]));
    expect(pending).toEqual(new Set([slow]));
    slow.cancel();
  });

  test('futures already done are reported done (test_wait_really_done)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    a.setResult(1);
    const [done, pending] = await loop.runUntilComplete(() => wait([a]));
    expect(done).toEqual(new Set([a]));
    expect(pending.size).toBe(0);
  });

  test('duplicates count once (test_wait_duplicate_coroutines)', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    loop.callSoon(() => a.setResult(1));
    const [done] = await loop.runUntilComplete(() => wait([a, a]));
    expect(done.size).toBe(1);
  });

  test('promises and task functions are wrapped in futures', async () => {
    const loop = newLoop();
    const [done] = await loop.runUntilComplete(() =>
      wait<number>([Promise.resolve(1), async () => 2]),
    );
    expect([...done].map((f) => f.result()).sort()).toEqual([1, 2]);
  });

  test('works with no loop, on Node timers', async () => {
    const slow = new Future<number>();
    const [done, pending] = await wait([sleep(1, 1), slow], { timeout: 20, returnWhen: FIRST_COMPLETED });
    expect(done.size).toBe(1);
    expect(pending).toEqual(new Set([slow]));
    slow.cancel();
  });

  test('a cancelled task in wait() stops waiting and leaves the futures alone', async () => {
    const loop = newLoop();
    const a = loop.createFuture();
    const task = loop.createTask(async () => await wait([a]));
    loop.callSoon(() => loop.callSoon(() => task.cancel()));
    await expect(loop.runUntilComplete(task)).rejects.toThrow();
    expect(a.cancelled()).toBe(false);
    expect(a.removeDoneCallback(() => {})).toBe(0);
    a.cancel();
  });

  test('wrong arguments are TypeErrors and bad values RangeErrors', () => {
    const loop = newLoop();
    const f = loop.createFuture();
    expect(() => wait(f as never)).toThrow(/aws must be an iterable of futures/);
    expect(() => wait('ab' as never)).toThrow(TypeError);
    expect(() => wait([])).toThrow(/Set of Futures is empty/);
    expect(() => wait([f], { returnWhen: 'SOMETIMES' as never })).toThrow(RangeError);
    expect(() => wait([f], { timeout: '1' as never })).toThrow(/opts.timeout must be a number/);
    expect(() => wait([f], null as never)).toThrow(/opts must be an object/);
    f.cancel();
  });
});
