// The argument checks and descriptions of StreamReader (stream-reader.ts).
import { inspect } from 'node:util';

import type { BaseEventLoop } from '@iocp/futures';

/** A separator: bytes, or a string taken as UTF-8. */
export type Separator = Uint8Array | string;

export interface StreamReaderOptions {
  /** The line length limit (and half the buffer limit of flow control). Default 64 KiB. */
  limit?: number;
  /** The loop the reader's waiters belong to. Default: the running loop, else none. */
  loop?: BaseEventLoop | null;
}

export function toSeparator(sep: unknown, what: string): Buffer {
  if (typeof sep === 'string') return Buffer.from(sep, 'utf8');
  if (sep instanceof Uint8Array) return Buffer.from(sep.buffer, sep.byteOffset, sep.byteLength);
  throw new TypeError(`${what} must be a Uint8Array or a string`);
}

export function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number') throw new TypeError(`${what} must be a number`);
  if (!Number.isInteger(n)) throw new RangeError(`${what} must be an integer, got ${n}`);
  return n;
}

export function describeError(error: Error): string {
  return `${error.constructor.name}(${error.message === '' ? '' : inspect(error.message)})`;
}

/** `value` as its toString() gives it (a transport's description). */
export function describe(value: unknown): string {
  return String(value);
}
