// The bits of reprlib and asyncio/format_helpers.py that toString() needs:
// short, single-line descriptions of values, errors and callbacks.
import { inspect } from 'node:util';

const MAX_LENGTH = 60;

function shorten(text: string): string {
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text;
}

/** An Error as `Name('message')`, like Python's repr of an exception. */
export function formatError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Error';
    const message = String((error).message);
    return `${name}(${message === '' ? '' : shorten(inspect(message))})`;
  }
  return formatValue(error);
}

// Port of reprlib.repr as futures.py uses it: a value, at most 60 characters.
/** A value on one line, cut to 60 characters. */
export function formatValue(value: unknown): string {
  if (value instanceof Error) return formatError(value);
  return shorten(inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 10 }));
}

// Port of format_helpers._format_callback: `name(arg1, arg2)`.
/** A callback and its arguments as `name(args)`. */
export function formatCallback(callback: unknown, args: readonly unknown[] = []): string {
  let name = '<anonymous>';
  if (typeof callback === 'function' && callback.name !== '') name = callback.name;
  return `${name}(${args.map(formatValue).join(', ')})`;
}

/** The first stack frame outside this package of a captured `new Error().stack`. */
export function creationSite(stack: string | undefined): string | null {
  if (stack === undefined) return null;
  for (const line of stack.split('\n').slice(1)) {
    if (!/[\\/]futures[\\/](src|dist)[\\/]/.test(line)) return line.trim().replace(/^at /, '');
  }
  return null;
}
