// Port of the scheduling cases of Lib/test/test_asyncio/test_base_events.py
// (BaseEventLoopTests) and test_events.py (HandleTests, TimerTests).
import { Handle, TimerHandle } from '@iocp/futures';
import { captureExceptions, captureLogger, closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

describe('callSoon', () => {
  test('runs callbacks with their arguments, in order, only once the loop runs', async () => {
    const loop = newLoop();
    const calls: unknown[][] = [];
    const cb = (...args: unknown[]): void => {
      calls.push(args);
    };
    const h1 = loop.callSoon(cb, 1, 'a');
    loop.callSoon(cb, 2);
    expect(h1).toBeInstanceOf(Handle);
    expect(calls).toEqual([]);
    await runBriefly(loop);
    expect(calls).toEqual([[1, 'a'], [2]]);
  });

  test('a cancelled handle does not run', async () => {
    const loop = newLoop();
    const calls: string[] = [];
    const h = loop.callSoon(() => calls.push('cancelled'));
    loop.callSoon(() => calls.push('kept'));
    h.cancel();
    expect(h.cancelled()).toBe(true);
    h.cancel();
    await runBriefly(loop);
    expect(calls).toEqual(['kept']);
  });

  test('callbacks scheduled by a callback run in the next iteration (the ntodo rule)', async () => {
    const loop = newLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      order.push('a');
      loop.callSoon(() => order.push('c'));
    });
    loop.callSoon(() => {
      order.push('b');
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['a', 'b']);
    await runBriefly(loop);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  test('a non-function callback is a TypeError naming the method', () => {
    const loop = newLoop();
    expect(() => loop.callSoon(5 as never)).toThrow(TypeError);
    expect(() => loop.callSoon(5 as never)).toThrow(/callSoon\(\)/);
  });

  test('an async function callback is a TypeError, as coroutines are in asyncio', () => {
    const loop = newLoop();
    expect(() => loop.callSoon(async () => {})).toThrow(/coroutines cannot be used with callSoon/);
    expect(() => loop.callLater(1, async () => {})).toThrow(/callAt/);
  });

  test('callSoon on a closed loop throws RuntimeError', async () => {
    const loop = newLoop();
    await loop.close();
    expect(() => loop.callSoon(() => {})).toThrow('Event loop is closed');
    expect(() => loop.callLater(1, () => {})).toThrow('Event loop is closed');
  });

  test('Handle toString shows the callback and its arguments', () => {
    const loop = newLoop();
    function noop(..._args: unknown[]): void {}
    const h = loop.callSoon(noop, 1, 'x');
    expect(h.toString()).toBe("<Handle noop(1, 'x')>");
    h.cancel();
    expect(h.toString()).toBe('<Handle cancelled>');
  });

  test('in debug mode a cancelled Handle still describes its callback', () => {
    const loop = newLoop();
    loop.setDebug(true);
    function noop(): void {}
    const h = loop.callSoon(noop);
    h.cancel();
    expect(h.toString()).toBe('<Handle cancelled noop()>');
  });
});

describe('callback errors', () => {
  test('an exception in a callback goes to the exception handler and the loop goes on', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    const after: string[] = [];
    function failing(): void {
      throw new Error('in callback');
    }
    const h = loop.callSoon(failing);
    loop.callSoon(() => after.push('next'));
    await runBriefly(loop);
    expect(after).toEqual(['next']);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('Exception in callback failing()');
    expect(seen[0].handle).toBe(h);
    expect((seen[0].exception as Error).message).toBe('in callback');
  });

  test('a callback returning a rejected promise has the rejection reported', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    loop.callSoon(() => Promise.reject(new Error('async failure')));
    await runBriefly(loop, 3);
    expect(seen.map((c) => (c.exception as Error).message)).toEqual(['async failure']);
  });

  test('a thrown non-Error value is reported too', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    loop.callSoon(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'a string';
    });
    await runBriefly(loop);
    expect(seen[0].exception).toBe('a string');
  });
});

describe('callLater and callAt', () => {
  test('callLater returns a TimerHandle due delay ms from now', () => {
    const loop = newLoop();
    const before = loop.time();
    const h = loop.callLater(50, () => {});
    expect(h).toBeInstanceOf(TimerHandle);
    expect(h.when()).toBeGreaterThanOrEqual(before + 50);
    expect(h.when()).toBeLessThanOrEqual(loop.time() + 50);
    expect(h.toString()).toMatch(/^<TimerHandle when=\d+ <anonymous>\(\)>$/);
    h.cancel();
    expect(h.toString()).toMatch(/^<TimerHandle cancelled when=\d+>$/);
  });

  test('timers fire in deadline order, not call order', async () => {
    const loop = newLoop();
    const order: number[] = [];
    // Deadlines from one reading of the clock: the calls themselves may be
    // milliseconds apart on a loaded machine (seen under the sanitizers).
    const now = loop.time();
    loop.callAt(now + 6, () => order.push(3));
    loop.callAt(now + 2, () => order.push(1));
    loop.callAt(now + 4, () => order.push(2));
    loop.callAt(now + 8, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual([1, 2, 3]);
  });

  test('a timer does not fire before its deadline', async () => {
    const loop = newLoop();
    const start = loop.time();
    let firedAt = 0;
    loop.callLater(15, () => {
      firedAt = loop.time();
      loop.stop();
    });
    await loop.runForever();
    expect(firedAt - start).toBeGreaterThanOrEqual(15);
  });

  test('timers with the same deadline run in call order', async () => {
    const loop = newLoop();
    const when = loop.time() + 3;
    const order: number[] = [];
    for (let i = 0; i < 5; i++) loop.callAt(when, () => order.push(i));
    loop.callAt(when, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test('negative delays are allowed and ordered by deadline (test_call_later_negative_delays)', async () => {
    const loop = newLoop();
    const calls: number[] = [];
    loop.callLater(-1, (x: number) => calls.push(x), 1);
    loop.callLater(-2, (x: number) => calls.push(x), 2);
    await runBriefly(loop);
    expect(calls).toEqual([2, 1]);
  });

  test('callAt in the past runs at the next iteration', async () => {
    const loop = newLoop();
    const calls: string[] = [];
    loop.callAt(loop.time() - 1000, () => calls.push('past'));
    await runBriefly(loop);
    expect(calls).toEqual(['past']);
  });

  test('a timer cancelled before it fires never runs', async () => {
    const loop = newLoop();
    const calls: string[] = [];
    const h = loop.callLater(1, () => calls.push('cancelled timer'));
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.callLater(5, () => loop.stop());
    await loop.runForever();
    expect(calls).toEqual([]);
  });

  test('a timer cancelled by an earlier callback in the same iteration never runs', async () => {
    const loop = newLoop();
    const calls: string[] = [];
    const when = loop.time() + 2;
    const handles: TimerHandle[] = [];
    loop.callAt(when, () => handles[0].cancel());
    handles.push(loop.callAt(when, () => calls.push('should not run')));
    loop.callAt(when + 1, () => loop.stop());
    await loop.runForever();
    expect(calls).toEqual([]);
  });

  test('cancelled timers are purged from the queue when they are the majority (test__run_once)', async () => {
    const loop = newLoop();
    const handles = Array.from({ length: 150 }, () => loop.callLater(60_000, () => {}));
    for (const h of handles.slice(0, 100)) h.cancel();
    expect(loop._timerCancelledCount).toBe(100);
    await runBriefly(loop);
    expect(loop._scheduled.length).toBe(50);
    expect(loop._timerCancelledCount).toBe(0);
    for (const h of handles) h.cancel();
  });

  test('cancelled timers at the head of the queue are dropped', async () => {
    const loop = newLoop();
    const h1 = loop.callLater(10_000, () => {});
    const h2 = loop.callLater(20_000, () => {});
    h1.cancel();
    await runBriefly(loop);
    expect(loop._scheduled.length).toBe(1);
    expect(loop._timerCancelledCount).toBe(0);
    h2.cancel();
  });

  test('wrong delay and when types are TypeErrors, NaN a RangeError', () => {
    const loop = newLoop();
    expect(() => loop.callLater('x' as never, () => {})).toThrow(/delay must be a number/);
    expect(() => loop.callLater(NaN, () => {})).toThrow(RangeError);
    expect(() => loop.callAt(undefined as never, () => {})).toThrow(/when must be a number/);
    expect(() => loop.callAt(NaN, () => {})).toThrow(/when must not be NaN/);
    expect(() => loop.callLater(1, null as never)).toThrow(TypeError);
  });

  test('time() is monotonic milliseconds', () => {
    const loop = newLoop();
    const a = loop.time();
    const b = loop.time();
    expect(typeof a).toBe('number');
    expect(b).toBeGreaterThanOrEqual(a);
  });
});

describe('debug mode', () => {
  test('setDebug/getDebug toggle it; a non-boolean is a TypeError', () => {
    const loop = newLoop();
    expect(loop.getDebug()).toBe(false);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    expect(() => loop.setDebug('yes' as never)).toThrow(TypeError);
  });

  test('a callback slower than slowCallbackDuration is logged as a warning', async () => {
    const log = captureLogger();
    try {
      const loop = newLoop();
      loop.setDebug(true);
      loop.slowCallbackDuration = 0;
      function slowOne(): void {}
      loop.callSoon(slowOne);
      await runBriefly(loop);
      expect(log.warn.some((m) => /^Executing <Handle slowOne\(\)> took \d+\.\d{3} ms$/.test(m))).toBe(
        true,
      );
    } finally {
      log.restore();
    }
  });

  test('without debug mode no slow callback is logged', async () => {
    const log = captureLogger();
    try {
      const loop = newLoop();
      loop.slowCallbackDuration = 0;
      loop.callSoon(() => {});
      await runBriefly(loop);
      expect(log.warn).toEqual([]);
    } finally {
      log.restore();
    }
  });
});
