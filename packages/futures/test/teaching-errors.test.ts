// Errors that teach (issue 13): the mistakes an asyncio user makes first
// here get a message that names the fix.
import { Task, createTask, sleep, waitFor } from '@iocp/futures';
import { captureLogger, closeLoops, newLoop } from './helpers';

afterEach(closeLoops);

async function work(): Promise<number> {
  await sleep(0);
  return 1;
}

describe('a promise where a task function belongs', () => {
  const teaches = /pass `\(\) => work\(\)` instead of `work\(\)`/;

  test('loop.createTask(work()) throws TypeError saying to pass () => work()', async () => {
    const loop = newLoop();
    const promise = Promise.resolve(1);
    expect(() => loop.createTask(promise as never)).toThrow(TypeError);
    expect(() => loop.createTask(promise as never)).toThrow(teaches);
  });

  test('createTask(work()) inside a running loop throws the same TypeError', async () => {
    const loop = newLoop();
    const thrown = await loop.runUntilComplete(async () => {
      const started = work();
      try {
        createTask(started as never);
        return null;
      } catch (err) {
        await started;
        return err;
      }
    });
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(teaches);
  });

  test('createTask(work()) with no loop and new Task(thenable) say it too', () => {
    const thenable = { then: (): void => undefined };
    expect(() => createTask(thenable as never)).toThrow(teaches);
    expect(() => new Task(thenable as never, { loop: null })).toThrow(teaches);
  });

  test('a value that is neither a function nor a promise keeps the plain message', () => {
    const loop = newLoop();
    expect(() => loop.createTask(42 as never)).toThrow(/fn must be a function, got 42/);
  });

  test('createTask(() => work()) runs the work', async () => {
    const loop = newLoop();
    expect(await loop.runUntilComplete(loop.createTask(() => work()))).toBe(1);
  });
});

describe('a timeout that looks like seconds', () => {
  test('in debug mode sleep(0.5), waitFor(x, 0.5) and callLater(0.5) are accepted and each logs a warning', async () => {
    const log = captureLogger();
    const loop = newLoop();
    loop.setDebug(true);
    const order: string[] = [];
    await loop.runUntilComplete(async () => {
      loop.callLater(0.5, () => order.push('callLater'));
      await sleep(0.5);
      order.push('sleep');
      // Whether 0.5 ms is enough for sleep(0) does not matter here: only the warning.
      await waitFor(sleep(0), 0.5).catch(() => undefined);
    });
    expect(order).toEqual(['callLater', 'sleep']);
    // Debug mode may also report a slow callback on a loaded machine: only the seconds warnings count.
    log.restore();
    log.warn = log.warn.filter((m) => m.includes('milliseconds'));
    expect(log.warn).toHaveLength(3);
    expect(log.warn[0]).toMatch(/callLater\(\) delay = 0\.5: times are in milliseconds.*pass 500/);
    expect(log.warn[1]).toMatch(/sleep\(\) ms = 0\.5.*pass 500/);
    expect(log.warn[2]).toMatch(/waitFor\(\) ms = 0\.5.*pass 500/);
  });

  test('outside debug mode, and for whole or large values, nothing is logged', async () => {
    const log = captureLogger();
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      await sleep(0.5);
    });
    loop.setDebug(true);
    await loop.runUntilComplete(async () => {
      await sleep(1);
      await sleep(0);
      await sleep(10.5);
      await waitFor(sleep(0), 5000);
    });
    log.restore();
    expect(log.warn.filter((m) => m.includes('milliseconds'))).toEqual([]);
  });
});
