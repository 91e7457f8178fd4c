// A Task of a loop runs its steps through the loop (tasks.py Task.__init__
// and Task.__wakeup schedule Task.__step with loop.call_soon): in FIFO
// order with the loop's other callbacks, and only while the loop runs.
// Also current_task() outside a step (tasks.py current_task, which is None
// in a callback the task scheduled).
import { currentTask, sleep } from '@iocp/futures';
import type { Task } from '@iocp/futures';
import { closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('task steps run in order with callSoon callbacks', () => {
  test('a wakeup runs where callSoon put it (Task.__wakeup through call_soon)', async () => {
    const loop = newLoop();
    const fut = loop.createFuture<string>();
    const events: string[] = [];
    const task = loop.createTask(async () => {
      events.push(`task got ${await fut}`);
      // The rest of the step (through a helper's await) runs before B too.
      await (async () => {
        await Promise.resolve();
        events.push('task step end');
      })();
      return 'done';
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        loop.callSoon(() => events.push('A'));
        fut.setResult('x');
        loop.callSoon(() => events.push('B'));
      }),
    );
    expect(await loop.runUntilComplete(task)).toBe('done');
    expect(events).toEqual(['A', 'task got x', 'task step end', 'B']);
  });

  test('the first step runs where createTask() put it', async () => {
    const loop = newLoop();
    const events: string[] = [];
    const done = loop.createFuture();
    loop.callSoon(() => {
      loop.callSoon(() => events.push('A'));
      loop.createTask(async () => {
        events.push('task start');
        await Promise.resolve();
        events.push('task after a plain await');
      });
      loop.callSoon(() => {
        events.push('B');
        done.setResult(null);
      });
    });
    await loop.runUntilComplete(done);
    expect(events).toEqual(['A', 'task start', 'task after a plain await', 'B']);
  });

  test('two tasks woken by one future resume in the order they awaited', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const events: string[] = [];
    const make = (name: string): Task<void> =>
      loop.createTask(async () => {
        await fut;
        events.push(name);
      });
    const t1 = make('t1');
    const t2 = make('t2');
    loop.callSoon(() =>
      loop.callSoon(() => {
        fut.setResult(null);
        loop.callSoon(() => events.push('after'));
      }),
    );
    await loop.runUntilComplete(t2);
    expect(t1.done()).toBe(true);
    expect(events).toEqual(['t1', 't2', 'after']);
  });
});

describe('a task runs only while its loop runs', () => {
  test('a task woken in the last iteration resumes at the next run, not after the loop stopped', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    const events: string[] = [];
    const task = loop.createTask(async () => {
      await fut;
      events.push(`resumed, loop running: ${loop.isRunning()}`);
      await sleep(1);
      events.push('slept');
    });
    loop.callSoon(() =>
      loop.callSoon(() => {
        fut.setResult(null);
        loop.stop();
      }),
    );
    await loop.runForever();
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toEqual([]);
    await loop.runUntilComplete(task);
    expect(events).toEqual(['resumed, loop running: true', 'slept']);
  });

  test('a background task stops with runUntilComplete() and never falls back to Node timers', async () => {
    const loop = newLoop();
    let ticks = 0;
    const background = loop.createTask(async () => {
      for (;;) {
        await sleep(0);
        ticks += 1;
      }
    });
    await loop.runUntilComplete(async () => {
      while (ticks < 3) await sleep(0);
    });
    const seen = ticks;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ticks).toBe(seen);
    expect(background.done()).toBe(false);
  });

  test('a task of a closed loop never resumes', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    let resumed = false;
    loop.createTask(async () => {
      await fut;
      resumed = true;
    })._logDestroyPending = false;
    loop.callSoon(() =>
      loop.callSoon(() => {
        fut.setResult(null);
        loop.stop();
      }),
    );
    await loop.runForever();
    await loop.close();
    await turn();
    expect(resumed).toBe(false);
  });
});

describe('currentTask() outside the task step', () => {
  test('is null in a Node timer callback the task scheduled', async () => {
    const loop = newLoop();
    const seen: unknown[] = [];
    const task = loop.createTask(async () => {
      setTimeout(() => seen.push(currentTask()), 1);
      await sleep(20);
      seen.push(currentTask());
    });
    await loop.runUntilComplete(task);
    expect(seen).toEqual([null, task]);
  });

  test('is null in a callSoon callback the task scheduled, in the task itself after', async () => {
    const loop = newLoop();
    const seen: unknown[] = [];
    const task = loop.createTask(async () => {
      loop.callSoon(() => seen.push(currentTask()));
      await sleep(1);
      seen.push(currentTask());
    });
    await loop.runUntilComplete(task);
    expect(seen).toEqual([null, task]);
  });

  test('follows interleaved tasks (test_current_task_with_interleaving_tasks)', async () => {
    const loop = newLoop();
    const fut1 = loop.createFuture();
    const fut2 = loop.createFuture();
    const seen: [string, unknown][] = [];
    const task1: Task<void> = loop.createTask(async () => {
      seen.push(['1 start', currentTask() === task1]);
      await fut1;
      seen.push(['1 resumed', currentTask() === task1]);
      fut2.setResult(true);
    });
    const task2: Task<void> = loop.createTask(async () => {
      seen.push(['2 start', currentTask() === task2]);
      fut1.setResult(true);
      await fut2;
      seen.push(['2 resumed', currentTask() === task2]);
    });
    await loop.runUntilComplete(task2);
    expect(seen).toEqual([
      ['1 start', true],
      ['2 start', true],
      ['1 resumed', true],
      ['2 resumed', true],
    ]);
    expect(currentTask(loop)).toBeNull();
  });
});

