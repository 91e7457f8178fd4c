// Port of test_futures.py test_tb_logger_* and
// check_future_exception_never_retrieved. The report comes from a
// FinalizationRegistry, so these tests force garbage collection.
import { Future } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import { captureExceptions, captureLogger, closeLoops, collect, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

function failLater(loop: BaseEventLoop | null, use: (f: Future<unknown>) => void): void {
  const f = new Future({ loop });
  f.setException(new RangeError('boom'));
  use(f);
}

describe('unretrieved exceptions', () => {
  test('a future whose exception is never retrieved is reported when collected', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    failLater(loop, () => {});
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('Future exception was never retrieved');
    expect((seen[0].exception as Error).message).toBe('boom');
  });

  test.each([
    ['exception()', (f: Future<unknown>) => void f.exception()],
    ['result()', (f: Future<unknown>) => expect(() => f.result()).toThrow('boom')],
    ['an await', (f: Future<unknown>) => void f.then(undefined, () => {})],
  ])('a future whose exception was retrieved by %s is not reported', async (_how, use) => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    // A control future that is not retrieved proves the collector did run.
    failLater(loop, use);
    failLater(loop, () => {});
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    expect(seen).toHaveLength(1);
  });

  test('a future that succeeded or was cancelled is never reported', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    (() => {
      loop.createFuture().setResult(42);
      loop.createFuture().cancel();
    })();
    failLater(loop, () => {});
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    await collect(() => false, 2);
    expect(seen.map((c) => c.message)).toEqual(['Future exception was never retrieved']);
  });

  test('a loop-less future reports through the logger', async () => {
    const log = captureLogger();
    try {
      failLater(null, () => {});
      await collect(() => log.error.length > 0);
      expect(log.error).toHaveLength(1);
      expect(log.error[0]).toMatch(/^Future exception was never retrieved\n/);
      expect(log.error[0]).toContain('RangeError: boom');
    } finally {
      log.restore();
    }
  });

  test('a task whose error nobody retrieves is reported as a Task', async () => {
    const loop = newLoop();
    const seen = captureExceptions(loop);
    (() => {
      loop.createTask(async () => {
        throw new Error('task failed');
      });
    })();
    await runBriefly(loop, 3);
    await collect(() => seen.length > 0);
    expect(seen.map((c) => c.message)).toEqual(['Task exception was never retrieved']);
  });

  test('in debug mode the report says where the future was created', async () => {
    const loop = newLoop();
    loop.setDebug(true);
    const seen = captureExceptions(loop);
    failLater(loop, () => {});
    await runBriefly(loop);
    await collect(() => seen.length > 0);
    expect(seen[0].source_traceback).toMatch(/unretrieved\.test\.ts/);
  });
});
