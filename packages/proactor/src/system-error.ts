// Turns the native layer's negated system codes into the OSError classes of
// @iocp/futures (one mapping for every package, CPython's table).
import { osErrorFromNative } from '@iocp/futures';
import type { OSError } from '@iocp/futures';

export function systemError(negatedCode: number, syscall?: string, opts?: { socket?: boolean }): OSError {
  return osErrorFromNative(-negatedCode, syscall, opts);
}

/** Throws the mapped OSError when r is a negated system code, else returns r. */
export function check<T>(r: T | number, syscall: string): T {
  if (typeof r === 'number' && r < 0) throw systemError(r, syscall);
  return r as T;
}
