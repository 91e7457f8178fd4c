// Port of test_tasks.py test_log_destroyed_pending_task and
// test_error_in_call_soon: a pending Task that nothing can resume any more
// is garbage; the registry of tasks holds it weakly, and its collection is
// reported as "Task was destroyed but it is pending!". The report comes
// from a FinalizationRegistry, so these tests force garbage collection.
import { Task, allTasks, createTask, gather } from '@iocp/futures';
import type { BaseEventLoop, ExceptionContext, TaskFactory } from '@iocp/futures';
import {
  captureExceptions,
  captureLogger,
  closeLoops,
  collect,
  newLoop,
  runBriefly,
} from './helpers';

afterEach(closeLoops);

const DESTROYED = 'Task was destroyed but it is pending!';

function destroyedReports(seen: ExceptionContext[]): ExceptionContext[] {
  return seen.filter((c) => c.message === DESTROYED);
}

/**
 * Starts a task of `loop` that awaits a future nobody else holds (asyncio's
 * kill_me()), so once it is suspended nothing can resume it. Returns its name.
 */
function startOrphan(loop: BaseEventLoop, name?: string): string {
  const task = loop.createTask(
    async () => {
      await loop.createFuture();
      throw new Error('code never reached');
    },
    { name },
  );
  return task.getName();
}

describe('Task was destroyed but it is pending!', () => {
  test('a pending task nothing can resume is collected and reported to the loop (test_log_destroyed_pending_task)', async () => {
    const loop = newLoop();
    loop.setDebug(true);
    const seen = captureExceptions(loop);
    const name = startOrphan(loop);
    expect(allTasks(loop).size).toBe(1);
    // Run the task until it waits for its future.
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({
      message: DESTROYED,
      task: expect.stringMatching(
        new RegExp(`^<Task pending name='${name}' created at .*task-destroyed\\.test\\.ts`),
      ),
      source_traceback: expect.stringMatching(/task-destroyed\.test\.ts/),
    });
    expect(allTasks(loop).size).toBe(0);
  });

  test('without debug mode the report has no source_traceback', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    startOrphan(loop, 'orphan');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    expect(seen).toEqual([{ message: DESTROYED, task: "<Task pending name='orphan'>" }]);
  });

  test('the report shows the name the task had last and the class a task factory made', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    class MyTask<T> extends Task<T> {}
    const factory: TaskFactory = (l, fn, opts) => new MyTask(fn, { ...opts, loop: l });
    loop.setTaskFactory(factory);
    (() => {
      const task = loop.createTask(() => new Promise<never>(() => {}), { name: 'first' });
      task.setName('renamed');
    })();
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    expect(seen.map((c) => c.task)).toEqual(["<MyTask pending name='renamed'>"]);
  });

  test('a loop-less task reports through the logger', async () => {
    const log = captureLogger();
    try {
      (() => {
        createTask(() => new Promise<never>(() => {}), { name: 'loop-less orphan' });
      })();
      await collect(() => log.error.length > 0);
      expect(log.error).toEqual([`${DESTROYED}\ntask: <Task pending name='loop-less orphan'>`]);
      expect(allTasks(null).size).toBe(0);
    } finally {
      log.restore();
    }
  });

  test('a pending task that is still referenced is neither collected nor reported', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    const fut = loop.createFuture();
    const kept = loop.createTask(async () => await fut);
    startOrphan(loop, 'control');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    // The control task proves the collector ran.
    expect(seen.map((c) => c.task)).toEqual(["<Task pending name='control'>"]);
    expect(allTasks(loop)).toEqual(new Set([kept]));
    fut.setResult('done');
    expect(await loop.runUntilComplete(kept)).toBe('done');
  });

  test('a task that outlived several collections is reported once nothing can resume it', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    const holder: { fut: unknown } = { fut: null };
    (() => {
      const fut = loop.createFuture();
      holder.fut = fut;
      loop.createTask(async () => await fut, { name: 'long-lived' });
    })();
    await runBriefly(loop);
    await collect(() => false, 3);
    expect(seen).toHaveLength(0);
    expect(allTasks(loop).size).toBe(1);
    holder.fut = null;
    await collect(() => seen.length > 0);
    expect(seen.map((c) => c.task)).toEqual(["<Task pending name='long-lived'>"]);
    expect(allTasks(loop).size).toBe(0);
  });

  test('a task that outlived several collections and then finished is not reported', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    const fut = loop.createFuture<number>();
    await (async () => {
      const task = loop.createTask(async () => await fut);
      await runBriefly(loop);
      await collect(() => false, 3);
      fut.setResult(1);
      expect(await loop.runUntilComplete(task)).toBe(1);
    })();
    startOrphan(loop, 'control');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    expect(seen.map((c) => c.task)).toEqual(["<Task pending name='control'>"]);
  });

  test('tasks that finished are never reported, whatever their outcome', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    await (async () => {
      const ok = loop.createTask(async () => 1);
      const cancelled = loop.createTask(() => new Promise<never>(() => {}));
      cancelled.cancel();
      await loop.runUntilComplete(gather([ok, cancelled], { returnExceptions: true }));
    })();
    startOrphan(loop, 'control');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    expect(destroyedReports(seen).map((c) => c.task)).toEqual(["<Task pending name='control'>"]);
  });

  test('a task runUntilComplete made is not reported when the loop stops before it is done', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    await expect(
      loop.runUntilComplete(async () => {
        loop.stop();
        await new Promise<never>(() => {});
      }),
    ).rejects.toThrow('Event loop stopped before Future completed.');
    startOrphan(loop, 'control');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => allTasks(loop).size === 0);
    expect(seen.map((c) => c.task)).toEqual(["<Task pending name='control'>"]);
    // Collected all the same: the registry does not keep it alive.
    expect(allTasks(loop).size).toBe(0);
  });

  test('tasks gather made for task functions are not reported when the gather is dropped', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    (() => {
      gather([() => new Promise<never>(() => {}), () => new Promise<never>(() => {})]);
    })();
    startOrphan(loop, 'control');
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => allTasks(loop).size === 0);
    expect(seen.map((c) => c.task)).toEqual(["<Task pending name='control'>"]);
    expect(allTasks(loop).size).toBe(0);
  });

  test('a task whose first step could not be scheduled is not listed but is reported (test_error_in_call_soon)', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    await loop.close();
    expect(() => new Task(async () => {}, { loop, name: 'unscheduled' })).toThrow(
      'Event loop is closed',
    );
    expect(allTasks(loop).size).toBe(0);
    await collect(() => seen.length > 0);
    expect(seen).toEqual([{ message: DESTROYED, task: "<Task pending name='unscheduled'>" }]);
  });

  test('the default handler writes the report through the logger', async () => {
    const loop = newLoop();
    const log = captureLogger();
    try {
      startOrphan(loop, 'default handler');
      await runBriefly(loop);
      await collect(() => log.error.length > 0);
      expect(log.error).toEqual([`${DESTROYED}\ntask: <Task pending name='default handler'>`]);
    } finally {
      log.restore();
    }
  });
});
