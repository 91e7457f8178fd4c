// Port of the non-cancellation parts of Lib/test/test_asyncio/test_tasks.py.
import {
  Future,
  RuntimeError,
  Task,
  allTasks,
  createTask,
  currentTask,
  sleep,
} from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

describe('Task', () => {
  test('runs its function in a later loop iteration, not at creation', async () => {
    const loop = newLoop();
    const order: string[] = [];
    const task = loop.createTask(async () => {
      order.push('task');
      return 'done';
    });
    order.push('created');
    expect(await loop.runUntilComplete(task)).toBe('done');
    expect(order).toEqual(['created', 'task']);
    expect(task.done()).toBe(true);
    expect(task.result()).toBe('done');
  });

  test('a function that rejects sets the task exception', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => {
      await sleep(0);
      throw new TypeError('bad input');
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow('bad input');
    expect(task.exception()).toBeInstanceOf(TypeError);
  });

  test('a function that throws synchronously sets the task exception', async () => {
    const loop = newLoop();
    const task = loop.createTask(() => {
      throw new Error('sync');
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow('sync');
  });

  test('a function that rejects with a non-Error gets it wrapped as the cause', async () => {
    const loop = newLoop();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    const task = loop.createTask(() => Promise.reject('plain string'));
    await expect(loop.runUntilComplete(task)).rejects.toThrow('plain string');
    expect(task.exception()?.cause).toBe('plain string');
  });

  test('a plain (non-async) function returning a value works', async () => {
    const loop = newLoop();
    expect(await loop.runUntilComplete(loop.createTask(() => 5))).toBe(5);
  });

  test('the function receives an AbortSignal that is not aborted', async () => {
    const loop = newLoop();
    let signal: AbortSignal | undefined;
    const task = loop.createTask(async (s) => {
      signal = s;
    });
    await loop.runUntilComplete(task);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal!.aborted).toBe(false);
    expect(task.signal).toBe(signal);
  });

  test('tasks interleave at their awaits in scheduling order', async () => {
    const loop = newLoop();
    const order: string[] = [];
    const worker = (name: string) => async () => {
      order.push(`${name}1`);
      await sleep(0);
      order.push(`${name}2`);
    };
    const a = loop.createTask(worker('a'));
    const b = loop.createTask(worker('b'));
    await loop.runUntilComplete(() => Promise.all([a, b]));
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  test('a task can await another task', async () => {
    const loop = newLoop();
    const inner = loop.createTask(async () => {
      await sleep(1);
      return 'inner';
    });
    const outer = loop.createTask(async () => `outer(${await inner})`);
    expect(await loop.runUntilComplete(outer)).toBe('outer(inner)');
  });

  test('names default to Task-N; a name can be given and changed', () => {
    const loop = newLoop();
    const a = loop.createTask(async () => {});
    const b = loop.createTask(async () => {}, { name: 'worker' });
    expect(a.getName()).toMatch(/^Task-\d+$/);
    expect(b.getName()).toBe('worker');
    b.setName(42);
    expect(b.getName()).toBe('42');
    a.cancel();
    b.cancel();
  });

  test('toString shows state, name and result', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => 7, { name: 'T' });
    expect(task.toString()).toBe("<Task pending name='T'>");
    await loop.runUntilComplete(task);
    expect(task.toString()).toBe("<Task finished name='T' result=7>");
    const cancelled = loop.createTask(async () => {}, { name: 'C' });
    cancelled.cancel();
    expect(cancelled.toString()).toBe("<Task cancelling name='C'>");
    await expect(loop.runUntilComplete(cancelled)).rejects.toThrow();
    expect(cancelled.toString()).toBe("<Task cancelled name='C'>");
  });

  test('toString shows the future a task waits for', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const task = loop.createTask(async () => await fut, { name: 'W' });
    let shown = '';
    // Two iterations: the task's first step, then (its await registered) this.
    loop.callSoon(() =>
      loop.callSoon(() => {
        shown = task.toString();
        fut.setResult(1);
      }),
    );
    await loop.runUntilComplete(task);
    expect(shown).toBe(
      "<Task pending name='W' wait_for=<Future pending cb=[Task.taskWakeup()]> cb=[stopLoop()]>",
    );
  });

  test('setResult and setException are not allowed on a task', () => {
    const task = newLoop().createTask(async () => {});
    expect(() => task.setResult(undefined)).toThrow(RuntimeError);
    expect(() => task.setResult(undefined)).toThrow('Task does not support set_result operation');
    expect(() => task.setException(new Error())).toThrow('Task does not support set_exception operation');
    task.cancel();
  });

  test('wrong arguments are TypeErrors naming the argument', () => {
    const loop = newLoop();
    expect(() => loop.createTask(42 as never)).toThrow(/fn must be a function/);
    expect(() => loop.createTask(async () => {}, { name: 5 as never })).toThrow(/opts.name must be a string/);
    expect(() => loop.createTask(async () => {}, null as never)).toThrow(/opts must be an object/);
    expect(() => new Task(async () => {}, { loop: 'x' as never })).toThrow(/opts.loop/);
  });

  test('createTask on a closed loop throws RuntimeError', async () => {
    const loop = newLoop();
    await loop.close();
    expect(() => loop.createTask(async () => {})).toThrow('Event loop is closed');
  });

  test('a task awaiting itself fails with RuntimeError', async () => {
    const loop = newLoop();
    const task: Task<void> = loop.createTask(async (): Promise<void> => {
      await sleep(0);
      await task;
    });
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/Task cannot await on itself/);
  });

  test('a task awaiting a future of another loop fails with RuntimeError', async () => {
    const loop = newLoop();
    const other = newLoop();
    const foreign = other.createFuture();
    const task = loop.createTask(async () => await foreign);
    await expect(loop.runUntilComplete(task)).rejects.toThrow(/attached to a different loop/);
    foreign.cancel();
  });

  test('a task may await loop-less futures', async () => {
    const loop = newLoop();
    const plain = new Future<number>({ loop: null });
    setImmediate(() => plain.setResult(3));
    expect(await loop.runUntilComplete(loop.createTask(async () => await plain))).toBe(3);
  });
});

describe('currentTask and allTasks', () => {
  test('currentTask is the task whose code runs, even in helper functions', async () => {
    const loop = newLoop();
    const seen: unknown[] = [];
    async function helper(): Promise<void> {
      await sleep(0);
      seen.push(currentTask());
    }
    const task = loop.createTask(async () => {
      seen.push(currentTask());
      await helper();
      seen.push(currentTask(loop));
    });
    await loop.runUntilComplete(task);
    expect(seen).toEqual([task, task, task]);
  });

  test('currentTask is null outside tasks and in plain loop callbacks', async () => {
    const loop = newLoop();
    expect(currentTask()).toBeNull();
    let inCallback: unknown = 'unset';
    const task = loop.createTask(async () => {
      loop.callSoon(() => {
        inCallback = currentTask();
      });
      await sleep(0);
      await sleep(0);
    });
    await loop.runUntilComplete(task);
    expect(inCallback).toBeNull();
  });

  test('currentTask with another loop is null', async () => {
    const loop = newLoop();
    const other = newLoop();
    let seen: unknown = 'unset';
    await loop.runUntilComplete(
      loop.createTask(async () => {
        seen = currentTask(other);
      }),
    );
    expect(seen).toBeNull();
  });

  test('allTasks lists the pending tasks of a loop', async () => {
    const loop = newLoop();
    const a = loop.createTask(async () => {});
    const b = loop.createTask(async () => await sleep(5));
    expect(allTasks(loop)).toEqual(new Set([a, b]));
    await loop.runUntilComplete(a);
    expect(allTasks(loop)).toEqual(new Set([b]));
    b.cancel();
    await expect(loop.runUntilComplete(b)).rejects.toThrow();
    expect(allTasks(loop).size).toBe(0);
  });

  test('allTasks() inside a running loop means that loop', async () => {
    const loop = newLoop();
    const task = loop.createTask(async () => allTasks());
    const seen = await loop.runUntilComplete(task);
    expect(seen).toEqual(new Set([task]));
  });
});

describe('loop-less tasks', () => {
  test('createTask() with no running loop makes a loop-less task that runs on its own', async () => {
    const order: string[] = [];
    const task = createTask(async () => {
      order.push('run');
      await sleep(1);
      return 'ok';
    });
    order.push('created');
    expect(task.getLoop()).toBeNull();
    expect(await task).toBe('ok');
    expect(order).toEqual(['created', 'run']);
  });

  test('createTask() inside a running loop uses that loop', async () => {
    const loop = newLoop();
    const [inner] = await loop.runUntilComplete(async () => [
      createTask(async () => 1, { name: 'x' }),
    ]);
    expect(inner.getLoop()).toBe(loop);
    expect(inner.getName()).toBe('x');
    inner.cancel();
  });

  test('allTasks(null) lists loop-less tasks', async () => {
    const task = createTask(async () => await sleep(1));
    expect(allTasks(null).has(task)).toBe(true);
    await task;
    expect(allTasks(null).has(task)).toBe(false);
  });
});
