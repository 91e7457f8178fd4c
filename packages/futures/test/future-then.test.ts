// Future.then(), the path every `await future` takes: when callbacks run,
// in which order, and in which context. The fast paths of then() (a done
// future, an awaiter left on a pending one) must keep these guarantees.
import { Future, Task, currentTask } from '@iocp/futures';
import { tasksActive } from '../src/task-context';
import { closeLoops, newLoop, tick } from './helpers';

afterEach(closeLoops);

describe('then() on a done future', () => {
  test.each([
    ['loop-less', (): Future<number> => new Future<number>({ loop: null })],
    ['of a stopped loop', (): Future<number> => newLoop().createFuture<number>()],
  ])('%s calls its callback on a later microtask, never before then() returns', async (_, make) => {
    const f = make();
    f.setResult(5);
    const order: string[] = [];
    const chained = f.then((v) => {
      order.push(`callback ${v}`);
      return v + 1;
    });
    order.push('then() returned');
    expect(await chained).toBe(6);
    expect(order).toEqual(['then() returned', 'callback 5']);
  });

  test('hands a promise result to the callback as it is, not its outcome', async () => {
    const f = new Future<Promise<number>>({ loop: null });
    const inner = Promise.resolve(1);
    f.setResult(inner);
    expect(await f.then((v) => v === inner)).toBe(true);
    // Without a callback the returned promise follows the result, as before.
    expect(await f.then()).toBe(1);
  });

  test('settles with undefined results as with any other', async () => {
    const f = new Future<void>({ loop: null });
    f.setResult(undefined);
    expect(await f.then(() => 'done')).toBe('done');
    await expect(f).resolves.toBeUndefined();
  });

  test('ignores handlers that are not functions, like a promise', async () => {
    const f = new Future<number>({ loop: null });
    f.setResult(3);
    expect(await f.then(4 as never)).toBe(3);
    const g = new Future<number>({ loop: null });
    g.setException(new Error('kept'));
    await expect(g.then(undefined, 4 as never)).rejects.toThrow('kept');
  });
});

describe('then() on a pending future', () => {
  test('loop-less: then() callbacks and done callbacks run in the order they were added', async () => {
    const f = new Future<number>({ loop: null });
    const order: string[] = [];
    f.addDoneCallback(() => order.push('a'));
    void f.then(() => order.push('then 1'));
    f.addDoneCallback(() => order.push('b'));
    void f.then(() => order.push('then 2'));
    f.setResult(1);
    order.push('after setResult');
    await Promise.resolve();
    expect(order).toEqual(['after setResult', 'a', 'then 1', 'b', 'then 2']);
  });

  test('of a loop: then() callbacks run as loop callbacks, in order with done callbacks', async () => {
    const loop = newLoop();
    const f = loop.createFuture<number>();
    const order: string[] = [];
    f.addDoneCallback(() => order.push('a'));
    void f.then((v) => order.push(`then ${v}`));
    f.addDoneCallback(() => order.push('b'));
    f.setResult(7);
    await tick();
    expect(order).toEqual([]); // the loop is not running
    await loop.runUntilComplete(async () => {
      await f;
    });
    expect(order).toEqual(['a', 'then 7', 'b']);
  });

  test('a handler that throws rejects the returned promise', async () => {
    const f = new Future<number>({ loop: null });
    const chained = f.then(() => {
      throw new Error('handler');
    });
    f.setResult(1);
    await expect(chained).rejects.toThrow('handler');
  });

  test('ignores handlers that are not functions, like a promise', async () => {
    const f = new Future<number>({ loop: null });
    const chained = f.then(4 as never);
    f.setResult(3);
    expect(await chained).toBe(3);
  });

  test('done callbacks of a loop-less future completed inside a Task run outside it', async () => {
    const f = new Future<number>({ loop: null });
    let inCallback: unknown = 'unset';
    f.addDoneCallback(() => {
      inCallback = currentTask();
    });
    const task = new Task(
      async () => {
        f.setResult(1);
        await f;
        return [currentTask()]; // boxed: returning a Task would adopt it
      },
      { loop: null },
    );
    expect(await task).toEqual([task]);
    expect(inCallback).toBeNull();
  });
});

describe('the Task context', () => {
  test('is turned off once no Task is pending, also when the last one ends in a loop iteration', async () => {
    const loop = newLoop();
    const f = loop.createFuture<number>();
    loop.callSoon(() => f.setResult(2));
    const task = loop.createTask(async () => (await f) * 2);
    expect(await loop.runUntilComplete(task)).toBe(4);
    expect(tasksActive()).toBe(false);
  });
});
