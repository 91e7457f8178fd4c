// The error a failed proactor operation rejects with.
//
// Port of the finishers of windows_events.py IocpProactor: finish_recv
// (recv, recv_into, recvfrom, recvfrom_into), finish_send (send, sendto)
// and finish_sendfile turn ERROR_NETNAME_DELETED (64) and
// ERROR_OPERATION_ABORTED (995) into ConnectionResetError; every other
// finisher (accept, connect, accept_pipe, wait_for_handle) raises the plain
// OSError that GetOverlappedResult gave.
//
// A handle closed under an operation (the proactor cancels what is pending
// on it first) fails that operation with a backend-dependent code: 995 or 64
// on Windows, 676 under Wine, ECANCELED, EBADF or EINTR on Linux. It is
// reported the same way on every backend: a ConnectionResetError for the
// reads and writes above, as CPython does with 995; a plain OSError
// 'ECANCELED' (winerror 995 on Windows) for the other operations.
import { OSError, osErrorFromNative } from '@iocp/futures';

const isWindows = process.platform === 'win32';

const ERROR_NETNAME_DELETED = 64;
const ERROR_OPERATION_ABORTED = 995;
const ECONNRESET = 104;
const ECANCELED = 125;

/** The codes an operation on a handle closed under it completes with. */
const ABORT_CODES = isWindows
  ? new Set([ERROR_OPERATION_ABORTED, ERROR_NETNAME_DELETED, 676 /* Wine: handles closed */])
  : new Set([ECANCELED, 9 /* EBADF */, 4 /* EINTR */]);

/** The operations (IocpProactor method names, as in CPython) whose finisher maps 64/995 to a reset. */
const RESET_ON_ABORT = new Set(['recv', 'recv_into', 'recvfrom', 'recvfrom_into', 'send', 'sendto', 'sendfile']);

/**
 * The OSError of operation `what` that failed with `negatedCode` (a negated
 * system code). `aborted`: the handle was closed under the operation.
 */
export function operationError(what: string, negatedCode: number, aborted = false): OSError {
  let code = -negatedCode;
  const reset = RESET_ON_ABORT.has(what);
  if (aborted && ABORT_CODES.has(code)) {
    if (reset) code = isWindows ? ERROR_NETNAME_DELETED : ECONNRESET;
    else code = isWindows ? ERROR_OPERATION_ABORTED : ECANCELED;
  }
  if (reset) return osErrorFromNative(code, what, { socket: true });
  const err = osErrorFromNative(code, what);
  // libuv names ERROR_NETNAME_DELETED 'ECONNRESET', whose class is
  // ConnectionResetError; outside the reads and writes CPython keeps the
  // plain OSError (the code stays libuv's name, as Node reports it).
  if (isWindows && code === ERROR_NETNAME_DELETED && err.constructor !== OSError) {
    return new OSError(err.errno, err.message, { code: err.code, syscall: what, winerror: code });
  }
  return err;
}
