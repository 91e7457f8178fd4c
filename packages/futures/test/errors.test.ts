import {
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
} from '@iocp/futures';

describe('asyncio exception classes', () => {
  test.each([
    ['CancelledError', CancelledError],
    ['InvalidStateError', InvalidStateError],
    ['TimeoutError', TimeoutError],
    ['RuntimeError', RuntimeError],
    ['SendfileNotAvailableError', SendfileNotAvailableError],
  ])('%s is an Error named after its class that keeps its message', (name, Class) => {
    const error = new Class('boom');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe('boom');
    expect(String(error)).toBe(`${name}: boom`);
  });

  test('errors take an ErrorOptions cause', () => {
    const cause = new Error('inner');
    expect(new TimeoutError('outer', { cause }).cause).toBe(cause);
  });

  test('SendfileNotAvailableError is a RuntimeError, as in asyncio', () => {
    expect(new SendfileNotAvailableError()).toBeInstanceOf(RuntimeError);
  });

  test('IncompleteReadError keeps partial and expected and says how much was read', () => {
    const error = new IncompleteReadError(Buffer.from('abc'), 10);
    expect(error.partial).toEqual(Buffer.from('abc'));
    expect(error.expected).toBe(10);
    expect(error.message).toBe('3 bytes read on a total of 10 expected bytes');
  });

  test('IncompleteReadError with no expected size says undefined, as asyncio does', () => {
    const error = new IncompleteReadError(Buffer.alloc(0), null);
    expect(error.expected).toBeNull();
    expect(error.message).toBe('0 bytes read on a total of undefined expected bytes');
  });

  test('LimitOverrunError keeps the consumed count', () => {
    const error = new LimitOverrunError('Separator is not found, and chunk exceed the limit', 7);
    expect(error.consumed).toBe(7);
    expect(error.name).toBe('LimitOverrunError');
  });
});
