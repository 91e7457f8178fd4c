// Port of test_base_events.py test_set_task_factory and
// test_set_task_factory_invalid, plus the paths asyncio routes through
// loop.create_task (so through the factory): create_task, ensure_future of a
// coroutine, run_until_complete, gather.
import { Task, createTask, ensureFuture, gather } from '@iocp/futures';
import type { BaseEventLoop, CreateTaskOptions, TaskFactory, TaskFunction } from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

class MyTask<T> extends Task<T> {}

/** A factory making MyTask, and the calls it got. */
function recordingFactory(): {
  factory: TaskFactory;
  calls: [BaseEventLoop, TaskFunction<unknown>, CreateTaskOptions][];
} {
  const calls: [BaseEventLoop, TaskFunction<unknown>, CreateTaskOptions][] = [];
  const factory: TaskFactory = (loop, fn, opts) => {
    calls.push([loop, fn, opts]);
    return new MyTask(fn, { ...opts, loop });
  };
  return { factory, calls };
}

describe('task factory', () => {
  test('set, used by createTask, then reset to the default (test_set_task_factory)', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    expect(loop.getTaskFactory()).toBeNull();
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);

    const fn = async (): Promise<string> => 'mine';
    const opts = { name: 'custom' };
    const task = loop.createTask(fn, opts);
    expect(task).toBeInstanceOf(MyTask);
    expect(task.getName()).toBe('custom');
    expect(calls).toEqual([[loop, fn, opts]]);
    expect(calls[0][2]).toBe(opts);
    expect(await loop.runUntilComplete(task)).toBe('mine');

    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    const plain = loop.createTask(async () => 'default');
    expect(plain).toBeInstanceOf(Task);
    expect(plain).not.toBeInstanceOf(MyTask);
    expect(await loop.runUntilComplete(plain)).toBe('default');
  });

  test('without options the factory gets an empty options object', () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    loop.createTask(async () => {});
    expect(calls[0][2]).toEqual({});
  });

  test('anything but a function or null is a TypeError (test_set_task_factory_invalid)', () => {
    const loop = newLoop();
    expect(() => loop.setTaskFactory(1 as never)).toThrow(TypeError);
    expect(() => loop.setTaskFactory({} as never)).toThrow(
      /task factory must be a function or null/,
    );
    expect(loop.getTaskFactory()).toBeNull();
  });

  test('a factory that returns no Future makes createTask throw TypeError', () => {
    const loop = newLoop();
    loop.setTaskFactory((() => 42) as never);
    expect(() => loop.createTask(async () => {})).toThrow(
      /the task factory must return a Task, got 42/,
    );
  });

  test('createTask on a closed loop throws before calling the factory', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    await loop.close();
    expect(() => loop.createTask(async () => {})).toThrow('Event loop is closed');
    expect(calls).toHaveLength(0);
  });

  test('the factory is per loop', () => {
    const loop = newLoop();
    const other = newLoop();
    const { factory } = recordingFactory();
    loop.setTaskFactory(factory);
    expect(other.getTaskFactory()).toBeNull();
    expect(other.createTask(async () => {})).not.toBeInstanceOf(MyTask);
  });

  test('createTask() inside a running loop goes through the loop factory', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    const inner = await loop.runUntilComplete(async () => {
      const task = createTask(async () => 'inner', { name: 'via createTask' });
      return [task, await task] as const;
    });
    expect(inner[0]).toBeInstanceOf(MyTask);
    expect(inner[0].getName()).toBe('via createTask');
    expect(inner[1]).toBe('inner');
    // The task runUntilComplete made for the outer function, then the inner one.
    expect(calls.map(([, , opts]) => opts.name)).toEqual([undefined, 'via createTask']);
  });

  test('ensureFuture of a task function uses the factory of the given or running loop', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    const explicit = ensureFuture(async () => 'explicit', loop);
    expect(explicit).toBeInstanceOf(MyTask);
    const running = await loop.runUntilComplete(async () => {
      const task = ensureFuture(async () => 'running');
      return [task instanceof MyTask, await task] as const;
    });
    expect(running).toEqual([true, 'running']);
    expect(await loop.runUntilComplete(explicit)).toBe('explicit');
    expect(calls).toHaveLength(3);
  });

  test('runUntilComplete and gather make their tasks through the factory', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    const results = await loop.runUntilComplete(() => gather([async () => 1, async () => 2]));
    expect(results).toEqual([1, 2]);
    // The outer task, then gather's two.
    expect(calls).toHaveLength(3);
  });

  test('loop-less tasks never use a factory', async () => {
    const loop = newLoop();
    const { factory, calls } = recordingFactory();
    loop.setTaskFactory(factory);
    const task = ensureFuture(async () => 'loop-less');
    expect(task.getLoop()).toBeNull();
    expect(task).not.toBeInstanceOf(MyTask);
    expect(await task).toBe('loop-less');
    expect(calls).toHaveLength(0);
  });
});
