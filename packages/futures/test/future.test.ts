// Port of Lib/test/test_asyncio/test_futures.py (BaseFutureTests and
// BaseFutureDoneCallbackTests) for futures that belong to a loop.
import {
  CancelledError,
  Future,
  InvalidStateError,
  Task,
  isFuture,
} from '@iocp/futures';
import { captureExceptions, closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

describe('Future state', () => {
  test('isFuture is true for futures and tasks only', () => {
    const loop = newLoop();
    const f = loop.createFuture();
    expect(isFuture(f)).toBe(true);
    expect(isFuture(Future)).toBe(false);
    expect(isFuture(1)).toBe(false);
    expect(isFuture(null)).toBe(false);
    expect(isFuture(Promise.resolve())).toBe(false);
    expect(isFuture({ then() {} })).toBe(false);
    const task = loop.createTask(async () => {});
    expect(isFuture(task)).toBe(true);
    task.cancel();
    f.cancel();
  });

  test('a new future is pending and not cancelled', () => {
    const f = newLoop().createFuture();
    expect(f.cancelled()).toBe(false);
    expect(f.done()).toBe(false);
    f.cancel();
    expect(f.cancelled()).toBe(true);
  });

  test('the constructor takes no positional argument', () => {
    expect(() => new Future(42 as unknown as object)).toThrow(TypeError);
    expect(() => new Future({ loop: {} as never })).toThrow(/opts.loop must be an event loop/);
  });

  test('cancel() makes result() and exception() throw CancelledError and blocks setters', () => {
    const f = newLoop().createFuture();
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(CancelledError);
    expect(() => f.exception()).toThrow(CancelledError);
    expect(() => f.setResult(undefined)).toThrow(InvalidStateError);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
  });

  test('result() on a pending future throws InvalidStateError', () => {
    const f = newLoop().createFuture<number>();
    expect(() => f.result()).toThrow(InvalidStateError);
    expect(() => f.result()).toThrow('Result is not ready.');
    f.cancel();
  });

  test('setResult() finishes the future; a second setResult() throws InvalidStateError', () => {
    const f = newLoop().createFuture<number>();
    f.setResult(42);
    expect(f.cancelled()).toBe(false);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(42);
    expect(f.exception()).toBeNull();
    expect(() => f.setResult(1)).toThrow(InvalidStateError);
    expect(() => f.setResult(1)).toThrow(/^FINISHED: <Future finished result=42>$/);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
  });

  test('exception() on a pending future throws InvalidStateError', () => {
    const f = newLoop().createFuture();
    expect(() => f.exception()).toThrow('Exception is not set.');
    f.cancel();
  });

  test('setException() makes result() throw it and exception() return it', () => {
    const exc = new RangeError('boom');
    const f = newLoop().createFuture();
    f.setException(exc);
    expect(f.cancelled()).toBe(false);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(exc);
    expect(f.exception()).toBe(exc);
    expect(() => f.setResult(undefined)).toThrow(InvalidStateError);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
  });

  test('setException() with an Error class instantiates it', () => {
    const f = newLoop().createFuture();
    f.setException(RangeError);
    expect(f.exception()).toBeInstanceOf(RangeError);
  });

  test('setException() with a non-object is a TypeError', () => {
    const f = newLoop().createFuture();
    expect(() => f.setException('nope' as unknown as Error)).toThrow(/exception must be an Error/);
    expect(f.done()).toBe(false);
    f.cancel();
  });

  test('cancel(msg) puts the message in the CancelledError', () => {
    const f = newLoop().createFuture();
    f.cancel('my message');
    expect(() => f.result()).toThrow(new CancelledError('my message'));
    expect(() => f.exception()).toThrow('my message');
  });

  test('cancel() with a non-string message is a TypeError', () => {
    const f = newLoop().createFuture();
    expect(() => f.cancel(5 as unknown as string)).toThrow(/msg must be a string/);
    expect(f.cancelled()).toBe(false);
    f.cancel();
  });

  test('getLoop() returns the loop', () => {
    const loop = newLoop();
    expect(loop.createFuture().getLoop()).toBe(loop);
    expect(new Future({ loop }).getLoop()).toBe(loop);
  });

  test('a future made while a loop runs belongs to that loop unless told otherwise', async () => {
    const loop = newLoop();
    let made: Future<unknown>[] = [];
    loop.callSoon(() => {
      made = [new Future(), new Future({ loop: null })];
      loop.stop();
    });
    await loop.runForever();
    expect(made[0].getLoop()).toBe(loop);
    expect(made[1].getLoop()).toBeNull();
  });
});

describe('Future toString', () => {
  test('describes pending, cancelled, finished futures', () => {
    const loop = newLoop();
    const pending = loop.createFuture();
    expect(pending.toString()).toBe('<Future pending>');
    pending.cancel();
    expect(pending.toString()).toBe('<Future cancelled>');
    const done = loop.createFuture<number>();
    done.setResult(4);
    expect(done.toString()).toBe('<Future finished result=4>');
    const failed = loop.createFuture();
    failed.setException(new TypeError('bad'));
    expect(failed.toString()).toBe("<Future finished exception=TypeError('bad')>");
    failed.exception();
  });

  test('shortens long results like reprlib', () => {
    const f = newLoop().createFuture<string>();
    f.setResult('x'.repeat(200));
    expect(f.toString().length).toBeLessThan(90);
    expect(f.toString()).toMatch(/\.\.\.>$/);
  });

  test('lists one, two, or first and last of many callbacks', () => {
    const loop = newLoop();
    function firstCb(): void {}
    function lastCb(): void {}
    function fake(): void {}
    const one = loop.createFuture();
    one.addDoneCallback(fake);
    expect(one.toString()).toBe('<Future pending cb=[fake()]>');
    const two = loop.createFuture();
    two.addDoneCallback(firstCb);
    two.addDoneCallback(lastCb);
    expect(two.toString()).toBe('<Future pending cb=[firstCb(), lastCb()]>');
    const many = loop.createFuture();
    many.addDoneCallback(firstCb);
    for (let i = 0; i < 8; i++) many.addDoneCallback(fake);
    many.addDoneCallback(lastCb);
    expect(many.toString()).toBe('<Future pending cb=[firstCb(), <8 more>, lastCb()]>');
    many.cancel();
    expect(many.toString()).toBe('<Future cancelled>');
    one.cancel();
    two.cancel();
  });

  test('in debug mode shows where the future was created', () => {
    const loop = newLoop();
    loop.setDebug(true);
    const f = loop.createFuture();
    expect(f.toString()).toMatch(/^<Future pending created at .*future\.test\.ts:\d+:\d+/);
    f.cancel();
  });
});

// Port of test_futures.py BaseFutureDoneCallbackTests.
describe('Future done callbacks', () => {
  function makeCallback(bag: number[], thing: number): (f: Future<unknown>) => void {
    return () => {
      bag.push(thing);
    };
  }

  test('callbacks run in order, through the loop, after setResult()', async () => {
    const loop = newLoop();
    const bag: number[] = [];
    const f = loop.createFuture();
    f.addDoneCallback(makeCallback(bag, 42));
    f.addDoneCallback(makeCallback(bag, 17));
    expect(bag).toEqual([]);
    f.setResult('foo');
    expect(bag).toEqual([]);
    await runBriefly(loop);
    expect(bag).toEqual([42, 17]);
    expect(f.result()).toBe('foo');
  });

  test('callbacks run after setException() and after cancel()', async () => {
    const loop = newLoop();
    const bag: number[] = [];
    const f1 = loop.createFuture();
    const f2 = loop.createFuture();
    f1.addDoneCallback(makeCallback(bag, 1));
    f2.addDoneCallback(makeCallback(bag, 2));
    f1.setException(new Error('x'));
    f2.cancel();
    await runBriefly(loop);
    expect(bag).toEqual([1, 2]);
    expect(f1.exception()).toBeInstanceOf(Error);
  });

  test('a callback added to a done future is scheduled at once', async () => {
    const loop = newLoop();
    const bag: number[] = [];
    const f = loop.createFuture();
    f.setResult(1);
    f.addDoneCallback(makeCallback(bag, 3));
    expect(bag).toEqual([]);
    await runBriefly(loop);
    expect(bag).toEqual([3]);
  });

  test('callbacks do not run while the loop is not running', async () => {
    const loop = newLoop();
    const bag: number[] = [];
    const f = loop.createFuture();
    f.addDoneCallback(makeCallback(bag, 1));
    f.setResult(1);
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(bag).toEqual([]);
    await runBriefly(loop);
    expect(bag).toEqual([1]);
  });

  test('removeDoneCallback removes every registration and returns the count', async () => {
    const loop = newLoop();
    const bag: number[] = [];
    const f = loop.createFuture();
    const cb1 = makeCallback(bag, 1);
    const cb2 = makeCallback(bag, 2);
    const cb3 = makeCallback(bag, 3);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    f.addDoneCallback(cb3);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb1);
    expect(f.removeDoneCallback(cb1)).toBe(3);
    expect(f.removeDoneCallback(cb1)).toBe(0);
    f.setResult('foo');
    await runBriefly(loop);
    expect(bag).toEqual([2, 3]);
  });

  test('removeDoneCallback after the future is done removes nothing', () => {
    const f = newLoop().createFuture();
    const cb = (): void => {};
    f.addDoneCallback(cb);
    f.setResult(1);
    expect(f.removeDoneCallback(cb)).toBe(0);
  });

  test('a callback that throws goes to the exception handler and the others still run', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    const bag: number[] = [];
    const f = loop.createFuture();
    f.addDoneCallback(function broken() {
      throw new Error('callback failed');
    });
    f.addDoneCallback(makeCallback(bag, 2));
    f.setResult(1);
    await runBriefly(loop);
    expect(bag).toEqual([2]);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toMatch(/^Exception in callback broken\(/);
    expect((seen[0].exception as Error).message).toBe('callback failed');
  });

  test('addDoneCallback with a non-function is a TypeError', () => {
    const f = newLoop().createFuture();
    expect(() => f.addDoneCallback(5 as never)).toThrow(/callback must be a function/);
    f.cancel();
  });
});

describe('Future as a promise', () => {
  test('awaiting a loop future resumes once the loop delivers the result', async () => {
    const loop = newLoop();
    const f = loop.createFuture<string>();
    loop.callSoon(() => f.setResult('hello'));
    const got = loop.runUntilComplete(async () => await f);
    await expect(got).resolves.toBe('hello');
  });

  test('awaiting a done loop future works even when the loop is not running', async () => {
    const f = newLoop().createFuture<number>();
    f.setResult(7);
    await expect(f).resolves.toBe(7);
  });

  test('awaiting a cancelled future rejects with CancelledError carrying the message', async () => {
    const f = newLoop().createFuture();
    f.cancel('stop it');
    await expect(f).rejects.toThrow(new CancelledError('stop it'));
  });

  test('then() callbacks can chain and transform', async () => {
    const f = newLoop().createFuture<number>();
    f.setResult(2);
    expect(await f.then((v) => v * 10)).toBe(20);
    const g = newLoop().createFuture<number>();
    g.setException(new Error('no'));
    expect(await g.then(undefined, (e: Error) => e.message)).toBe('no');
    expect(await g.catch((e: Error) => `caught ${e.message}`)).toBe('caught no');
  });

  test('a then() handler that throws rejects the returned promise', async () => {
    const f = newLoop().createFuture<number>();
    f.setResult(1);
    await expect(
      f.then(() => {
        throw new Error('handler');
      }),
    ).rejects.toThrow('handler');
  });

  test('finally() runs and keeps the outcome', async () => {
    const f = newLoop().createFuture<number>();
    f.setResult(3);
    let ran = false;
    expect(
      await f.finally(() => {
        ran = true;
      }),
    ).toBe(3);
    expect(ran).toBe(true);
    const g = newLoop().createFuture();
    g.setException(new Error('kept'));
    await expect(g.finally(() => undefined)).rejects.toThrow('kept');
  });

  test('Promise.all and Promise.race accept futures', async () => {
    const loop = newLoop();
    const a = loop.createFuture<number>();
    const b = loop.createFuture<number>();
    loop.callSoon(() => a.setResult(1));
    loop.callSoon(() => b.setResult(2));
    const both = await loop.runUntilComplete(() => Promise.all([a, b]));
    expect(both).toEqual([1, 2]);
  });

  test('instances of Task are Futures', () => {
    const loop = newLoop();
    const task = loop.createTask(async () => 1);
    expect(task).toBeInstanceOf(Future);
    expect(task).toBeInstanceOf(Task);
    task.cancel();
  });
});
