// How create_connection reports failed attempts: a port of the error
// combining at the end of base_events.py BaseEventLoop.create_connection,
// and of the bind error message of _connect_sock and create_server.
import { OSError, TimeoutError, osErrorClassForCode } from '@iocp/futures';

import type { SockAddr } from '../address';

/** An address as error messages show it. */
export function formatAddress(addr: SockAddr): string {
  return JSON.stringify(addr);
}

/**
 * The error of a failed bind() with CPython's message: 'error while
 * attempting to bind on address ["127.0.0.1",80]: <lowercased message>',
 * of the same class, errno and code as `err`.
 */
export function bindError(err: OSError, addr: SockAddr): OSError {
  const Cls = osErrorClassForCode(err.code);
  const msg = `error while attempting to bind on address ${formatAddress(addr)}: ${err.message.toLowerCase()}`;
  const out = new Cls(err.errno, msg, { code: err.code, syscall: err.syscall, winerror: err.winerror, cause: err });
  return out;
}

/**
 * The error create_connection throws when no address could be connected:
 * with allErrors an AggregateError of them all; else the only one, the first
 * when all have the same message, or an OSError 'Multiple exceptions: a, b'.
 * No error at all (no attempt ran) is TimeoutError 'create_connection failed'.
 */
export function combineConnectErrors(errors: readonly Error[], allErrors = false): Error {
  if (allErrors) return new AggregateError(errors, 'create_connection failed');
  if (errors.length === 1) return errors[0];
  if (errors.length > 1) {
    const model = errors[0].message;
    if (errors.every((e) => e.message === model)) return errors[0];
    return new OSError(`Multiple exceptions: ${errors.map((e) => e.message).join(', ')}`);
  }
  return new TimeoutError('create_connection failed');
}
