// What the loop passes to exception handlers, and how the default handler
// writes it.
//
// Port of base_events.py BaseEventLoop.default_exception_handler's
// formatting, shared by loop-less futures (which have no loop to ask).
import { formatError } from './format';
import { logger } from './logger';
import type { BaseEventLoop } from './base-event-loop';
import type { Future } from './future';
import type { Handle } from './handle';

/** The context of callExceptionHandler (asyncio's context dict). */
export interface ExceptionContext {
  /** What happened ('Exception in callback ...', 'Future exception was never retrieved'). */
  message: string;
  /** The error, if one was thrown or set. */
  exception?: unknown;
  /** The future (or task) concerned. */
  future?: Future<unknown>;
  /** The handle whose callback threw. */
  handle?: Handle;
  /** Where the future was made (debug mode): a stack trace. */
  source_traceback?: string;
  /** Any other detail, printed by the default handler. */
  [key: string]: unknown;
}

/** A custom exception handler: `(loop, context) => void`. */
export type ExceptionHandler = (loop: BaseEventLoop, context: ExceptionContext) => void;

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return formatError(value);
  if (typeof value === 'object' && value !== null) {
    const own = (value as { toString?: unknown }).toString;
    if (typeof own === 'function' && own !== Object.prototype.toString) {
      return String((own as () => unknown).call(value));
    }
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// Port of base_events.py BaseEventLoop.default_exception_handler (the text).
/** The default handler's text: the message, each other key sorted, then the error's stack. */
export function formatExceptionContext(context: ExceptionContext): string {
  const lines = [context.message || 'Unhandled exception in event loop'];
  for (const key of Object.keys(context).sort()) {
    if (key === 'message' || key === 'exception') continue;
    const value = context[key];
    if (key === 'source_traceback' && typeof value === 'string') {
      lines.push(`Object created at (most recent call last):\n${value.trimEnd()}`);
    } else if (key === 'context' && typeof value === 'object' && value !== null) {
      lines.push(`context: ${describe((value as ExceptionContext).message)}`);
    } else {
      lines.push(`${key}: ${describe(value)}`);
    }
  }
  const error = context.exception;
  if (error !== undefined) {
    const stack = error instanceof Error || (typeof error === 'object' && error !== null)
      ? (error as { stack?: unknown }).stack
      : undefined;
    lines.push(typeof stack === 'string' ? stack : describe(error));
  }
  return lines.join('\n');
}

function stackOf(error: unknown): string {
  const stack =
    typeof error === 'object' && error !== null && 'stack' in error ? error.stack : error;
  return typeof stack === 'string' ? stack : describe(stack);
}

// Port of base_events.py BaseEventLoop.call_exception_handler (the body).
/**
 * Hands `context` to `handler`, or to the loop's default handler; if the
 * custom handler throws, the default one reports that; if the default one
 * throws, the logger does. Never throws.
 */
export function dispatchException(
  loop: BaseEventLoop,
  handler: ExceptionHandler | null,
  context: ExceptionContext,
): void {
  if (handler === null) {
    try {
      loop.defaultExceptionHandler(context);
    } catch (error) {
      logger.error(`Exception in default exception handler\n${stackOf(error)}`);
    }
    return;
  }
  try {
    handler(loop, context);
  } catch (error) {
    try {
      loop.defaultExceptionHandler({
        message: 'Unhandled error in exception handler',
        exception: error,
        context,
      });
    } catch (inner) {
      logger.error(
        'Exception in default exception handler while handling an unexpected error ' +
          `in custom exception handler\n${stackOf(inner)}`,
      );
    }
  }
}

/** Writes a context through the package logger (what a loop-less future uses). */
export function logExceptionContext(context: ExceptionContext): void {
  logger.error(formatExceptionContext(context));
}
