// Errors the proactor cannot hand to anyone (no caller is on the stack: a
// completion delivered by Node's event loop, a cancel that failed) are
// reported as asyncio reports them: through the exception handler of the
// future's loop (base_events.py BaseEventLoop.call_exception_handler), or,
// for a loop-less future, through the logger of @iocp/futures.
import { logger } from '@iocp/futures';
import type { ExceptionContext, Future } from '@iocp/futures';

import type { TransportRead } from './transport-read';

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Reports `exception` about `fut` with asyncio's context (message,
 * exception, future, and source_traceback in debug mode). Never throws.
 */
export function reportFutureError(
  fut: Future<unknown> | TransportRead,
  message: string,
  exception: unknown,
): void {
  const context: ExceptionContext = { message, exception, future: fut as Future<unknown> };
  if (fut._sourceTraceback) context.source_traceback = fut._sourceTraceback;
  try {
    const loop = fut.getLoop();
    if (loop !== null) {
      loop.callExceptionHandler(context);
      return;
    }
  } catch {
    // Fall through to the logger: reporting must not throw either.
  }
  try {
    const lines = [message, `future: ${describe(fut)}`];
    if (context.source_traceback !== undefined) {
      lines.push(`Object created at (most recent call last):\n${context.source_traceback.trimEnd()}`);
    }
    lines.push(describe(exception));
    logger.error(lines.join('\n'));
  } catch {
    // A logger that throws has nowhere left to report to.
  }
}
