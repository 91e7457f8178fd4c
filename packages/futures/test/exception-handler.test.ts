// Port of test_base_events.py test_default_exc_handler_*,
// test_set_exc_handler_* and test_call_exception_handler.
import type { BaseEventLoop, ExceptionContext } from '@iocp/futures';
import { TestLoop, captureLogger, closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

let log: ReturnType<typeof captureLogger>;
beforeEach(() => {
  log = captureLogger();
});
afterEach(() => {
  log.restore();
});

function zeroError(): void {
  throw new RangeError('division by zero');
}

describe('exception handlers', () => {
  test('setExceptionHandler with a non-function is a TypeError (test_set_exc_handler_invalid)', () => {
    const loop = newLoop();
    expect(() => loop.setExceptionHandler('noop' as never)).toThrow(
      /A callable object or null is expected/,
    );
  });

  test('a custom handler receives the loop and the context (test_set_exc_handler_custom)', async () => {
    const loop = newLoop();
    const calls: [BaseEventLoop, ExceptionContext][] = [];
    const handler = (l: BaseEventLoop, context: ExceptionContext): void => {
      calls.push([l, context]);
    };
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    loop.callSoon(zeroError);
    await runBriefly(loop);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe(loop);
    expect(calls[0][1].message).toBe('Exception in callback zeroError()');
    expect(log.error).toEqual([]);
  });

  test('null restores the default handler', async () => {
    const loop = newLoop();
    loop.setExceptionHandler(() => {});
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.callSoon(zeroError);
    await runBriefly(loop);
    expect(log.error).toHaveLength(1);
  });

  test('the default handler logs the message, the other keys and the stack (test_default_exc_handler_callback)', async () => {
    const loop = newLoop();
    loop.callSoon(zeroError);
    await runBriefly(loop);
    expect(log.error).toHaveLength(1);
    const [text] = log.error;
    expect(text).toMatch(/^Exception in callback zeroError\(\)\n/);
    expect(text).toContain('handle: <Handle zeroError()>');
    expect(text).toContain('RangeError: division by zero');
    expect(text).toContain('at zeroError');
  });

  test('the default handler has a fallback message', () => {
    const loop = newLoop();
    loop.callExceptionHandler({ message: '' });
    expect(log.error).toEqual(['Unhandled exception in event loop']);
  });

  test('the default handler prints extra keys in sorted order', () => {
    const loop = newLoop();
    loop.callExceptionHandler({ message: 'msg', zeta: 1, alpha: 'text', beta: { a: 1 } });
    expect(log.error).toEqual(['msg\nalpha: text\nbeta: {"a":1}\nzeta: 1']);
  });

  test('a broken custom handler is reported by the default one (test_set_exc_handler_broken)', async () => {
    const loop = newLoop();
    loop.setExceptionHandler(() => {
      throw new Error('handler is broken');
    });
    loop.callSoon(zeroError);
    await runBriefly(loop);
    expect(log.error).toHaveLength(1);
    expect(log.error[0]).toMatch(/^Unhandled error in exception handler\n/);
    expect(log.error[0]).toContain('context: Exception in callback zeroError()');
    expect(log.error[0]).toContain('handler is broken');
  });

  test('a broken default handler is logged and does not crash (test_default_exc_handler_broken)', async () => {
    class BrokenDefault extends TestLoop {
      override defaultExceptionHandler(): void {
        throw new Error('default is broken');
      }
    }
    const loop = new BrokenDefault();
    try {
      loop.callSoon(zeroError);
      await runBriefly(loop);
      expect(log.error).toHaveLength(1);
      expect(log.error[0]).toMatch(/^Exception in default exception handler\n/);
      loop.setExceptionHandler(() => {
        throw new Error('custom broken too');
      });
      loop.callSoon(zeroError);
      await runBriefly(loop);
      expect(log.error[1]).toMatch(
        /^Exception in default exception handler while handling an unexpected error in custom exception handler/,
      );
    } finally {
      await loop.close();
    }
  });

  test('callExceptionHandler with a non-object is a TypeError', () => {
    const loop = newLoop();
    expect(() => loop.callExceptionHandler('boom' as never)).toThrow(/context must be an object/);
  });

  test('the default handler can be called directly', () => {
    const loop = newLoop();
    loop.defaultExceptionHandler({ message: 'direct', exception: new Error('e') });
    expect(log.error[0]).toMatch(/^direct\nError: e/);
  });
});
