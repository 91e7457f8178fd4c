// The exception classes of asyncio/exceptions.py (and the builtin
// RuntimeError asyncio raises), as JavaScript Error subclasses.
//
// Port of exceptions.py. Differences: JavaScript has no BaseException, so
// CancelledError is an ordinary Error subclass (asyncio makes it a
// BaseException so that `except Exception` does not swallow it); code that
// catches everything must rethrow it itself. TimeoutError is asyncio's own
// class here, not an OSError (asyncio aliases the builtin TimeoutError, an
// OSError subclass); an ETIMEDOUT from the OS is an OSError with code
// 'ETIMEDOUT' instead.

/** Sets `name` to the constructor's name so stack traces and toString() read well. */
function nameOf(err: Error): string {
  return err.constructor.name;
}

/** asyncio's RuntimeError (Python's builtin): the operation is not allowed now. */
export class RuntimeError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = nameOf(this);
  }
}

/** The operation (a Future, a Task, an await) was cancelled. */
export class CancelledError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = nameOf(this);
  }
}

/** The operation is not allowed in this state (result() too early, setResult() twice). */
export class InvalidStateError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = nameOf(this);
  }
}

/** The operation exceeded the given deadline (waitFor). */
export class TimeoutError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = nameOf(this);
  }
}

/** Sendfile syscall is not available for the given socket or file type. */
export class SendfileNotAvailableError extends RuntimeError {}

// Port of exceptions.py IncompleteReadError.
/** The stream ended before `expected` bytes were read; `partial` holds what was read. */
export class IncompleteReadError extends Error {
  /** The bytes read before the stream ended. */
  readonly partial: Buffer;
  /** How many bytes were expected (null: up to a separator). */
  readonly expected: number | null;

  constructor(partial: Buffer, expected: number | null) {
    const shown = expected === null ? 'undefined' : String(expected);
    super(`${partial.length} bytes read on a total of ${shown} expected bytes`);
    this.name = nameOf(this);
    this.partial = partial;
    this.expected = expected;
  }
}

// Port of exceptions.py LimitOverrunError.
/** The buffer limit was reached while looking for a separator; `consumed` bytes are to be consumed. */
export class LimitOverrunError extends Error {
  /** How many bytes to consume (drop) to get past the data that hit the limit. */
  readonly consumed: number;

  constructor(message: string, consumed: number) {
    super(message);
    this.name = nameOf(this);
    this.consumed = consumed;
  }
}
