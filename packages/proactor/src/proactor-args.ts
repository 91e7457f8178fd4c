// The argument checks of IocpProactor's methods (API.md, "Errors"): wrong
// types throw TypeError and bad values RangeError, synchronously, naming
// the argument, before anything is submitted.
import type { Connection } from './iocp-proactor';

/** What kind of value `value` is, for a TypeError: null, its class, or its typeof. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

export function checkConnection(conn: unknown, name = 'conn'): Connection {
  if (
    conn === null ||
    typeof conn !== 'object' ||
    typeof (conn as Connection).fileno !== 'function'
  ) {
    throw new TypeError(`${name} must be a Socket or a PipeHandle`);
  }
  return conn as Connection;
}

/**
 * A view of a detached ArrayBuffer (transferred by postMessage or
 * structuredClone) has no bytes: refused, as the native core does, rather
 * than read as end of file. Only an empty view can be one; Node 20 has no
 * `ArrayBuffer.prototype.detached`, but slice() throws on a detached buffer.
 */
function isDetached(buf: Uint8Array): boolean {
  if (buf.byteLength !== 0) return false;
  try {
    buf.buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

export function checkBytes(buf: unknown, name = 'buf'): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (isDetached(buf)) throw new TypeError(`${name} must not be a view of a detached ArrayBuffer`);
  return buf;
}

export function checkBytesList(list: readonly unknown[]): void {
  for (let i = 0; i < list.length; i++) checkBytes(list[i], `buf[${i}]`);
}

export function checkCount(n: unknown, name: string): number {
  if (typeof n !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

/** One operation moves at most this many bytes (the native core's limit: a DWORD on Windows, 32 bits on io_uring). */
export const MAX_TRANSFER = 0x7fffffff;

/** A receive size: a count of at most MAX_TRANSFER bytes. */
export function checkSize(n: unknown, name: string): number {
  checkCount(n, name);
  if ((n as number) > MAX_TRANSFER)
    throw new RangeError(`${name} must be at most ${MAX_TRANSFER}, got ${n as number}`);
  return n as number;
}

export function checkFlags(flags: unknown): number {
  if (typeof flags !== 'number') throw new TypeError('flags must be a number');
  if (!Number.isInteger(flags) || flags < 0)
    throw new RangeError(`flags must be a non-negative integer, got ${flags}`);
  return flags;
}
