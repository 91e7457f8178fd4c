// One place that turns a native error number into the right OSError class.
//
// Windows: a system error code (GetLastError, WSAGetLastError, or the
// translated status of a failed overlapped operation) is first named the
// way libuv's src/win/error.c uv_translate_sys_error names it, so `code`
// matches what Node reports for the same failure. The class then follows
// CPython, which picks it from the errno its PC/errmap.h derives from the
// winerror, plus the proactor's own rule that ERROR_NETNAME_DELETED and
// ERROR_OPERATION_ABORTED on a socket are a ConnectionResetError
// (windows_events.py IocpProactor.recv and friends). One deliberate
// difference from libuv: ERROR_BROKEN_PIPE (109) is 'EPIPE' and a
// BrokenPipeError, as in CPython, where libuv calls it UV_EOF.
//
// Linux: an errno names itself (os.constants.errno), and the class follows
// PEP 3151 like CPython's OSError.__new__.
import {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  codeOfErrno,
  describeCode,
  errnoOfCode,
} from './os-error';
import { WINERROR_CODES } from './winerror-codes';

type OSErrorClass = new (errno?: number, message?: string, options?: object) => OSError;

// Port of CPython Objects/exceptions.c errnomap (PEP 3151), keyed by code.
const CLASS_BY_CODE: ReadonlyMap<string, OSErrorClass> = new Map<string, OSErrorClass>([
  ['EAGAIN', BlockingIOError],
  ['EALREADY', BlockingIOError],
  ['EINPROGRESS', BlockingIOError],
  ['EWOULDBLOCK', BlockingIOError],
  ['EPIPE', BrokenPipeError],
  ['ESHUTDOWN', BrokenPipeError],
  ['ECHILD', ChildProcessError],
  ['ECONNABORTED', ConnectionAbortedError],
  ['ECONNREFUSED', ConnectionRefusedError],
  ['ECONNRESET', ConnectionResetError],
  ['EEXIST', FileExistsError],
  ['ENOENT', FileNotFoundError],
  ['EISDIR', IsADirectoryError],
  ['ENOTDIR', NotADirectoryError],
  ['EINTR', InterruptedError],
  ['EACCES', PermissionError],
  ['EPERM', PermissionError],
  ['ESRCH', ProcessLookupError],
]);

/** The OSError subclass CPython uses for a Node-style code (OSError itself when none). */
export function osErrorClassForCode(code: string): OSErrorClass {
  return CLASS_BY_CODE.get(code) ?? OSError;
}

/** Options of osErrorFromWinError and osErrorFromNative. */
export interface NativeErrorOptions {
  /** The failed operation was a socket operation (64 and 995 mean a reset connection). */
  socket?: boolean;
  /** Use this message instead of the Node-style one. */
  message?: string;
}

function checkCode(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function checkSyscall(syscall: unknown): string | undefined {
  if (syscall !== undefined && typeof syscall !== 'string') {
    throw new TypeError('syscall must be a string');
  }
  return syscall;
}

function build(
  errno: number,
  code: string,
  syscall: string | undefined,
  winerror: number | undefined,
  message: string | undefined,
): OSError {
  const Class = osErrorClassForCode(code);
  let text = message;
  if (text === undefined) {
    const head = syscall === undefined ? code : `${syscall} ${code}`;
    const known = code === 'UNKNOWN' && winerror !== undefined ? ` (winerror ${winerror})` : '';
    text = `${head}: ${describeCode(code)}${known}`;
  }
  const options: { code: string; syscall?: string; winerror?: number } = { code };
  if (syscall !== undefined) options.syscall = syscall;
  if (winerror !== undefined) options.winerror = winerror;
  return new Class(errno, text, options);
}

/**
 * The OSError for an errno of this platform (positive, as in
 * os.constants.errno): `osErrorFromErrno(errno.ECONNREFUSED, 'connect')` is a
 * ConnectionRefusedError 'connect ECONNREFUSED: connection refused'.
 * An errno with no class gives a plain OSError; one with no name, code 'UNKNOWN'.
 */
export function osErrorFromErrno(
  errno: number,
  syscall?: string,
  opts: { message?: string } = {},
): OSError {
  checkCode(errno, 'errno');
  return build(errno, codeOfErrno(errno), checkSyscall(syscall), undefined, opts.message);
}

/** The Node-style code for a Windows error code, as libuv names it ('UNKNOWN' when it does not). */
export function codeOfWinError(winerror: number, socket = false): string {
  if (socket && (winerror === 64 || winerror === 995)) return 'ECONNRESET';
  return WINERROR_CODES.get(winerror) ?? 'UNKNOWN';
}

/**
 * The OSError for a Windows system error code, with `winerror` set:
 * `osErrorFromWinError(1225, 'ConnectEx')` is a ConnectionRefusedError with
 * code 'ECONNREFUSED'. With `{socket: true}`, 64 (ERROR_NETNAME_DELETED) and
 * 995 (ERROR_OPERATION_ABORTED) are a ConnectionResetError as in CPython's
 * proactor. `errno` is the errno of the code on this platform; an unknown
 * winerror gives a plain OSError with code 'UNKNOWN' and errno EINVAL, as
 * CPython's winerror_to_errno does.
 */
export function osErrorFromWinError(
  winerror: number,
  syscall?: string,
  opts: NativeErrorOptions = {},
): OSError {
  checkCode(winerror, 'winerror');
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const code = codeOfWinError(winerror, opts.socket === true);
  const errno = errnoOfCode(code === 'UNKNOWN' ? 'EINVAL' : code) ?? errnoOfCode('EINVAL') ?? 22;
  return build(errno, code, checkSyscall(syscall), winerror, opts.message);
}

/**
 * The OSError for a native error number of this platform: a Windows error
 * code on Windows (see osErrorFromWinError), a positive errno elsewhere
 * (see osErrorFromErrno).
 */
export function osErrorFromNative(
  code: number,
  syscall?: string,
  opts: NativeErrorOptions = {},
): OSError {
  return process.platform === 'win32'
    ? osErrorFromWinError(code, syscall, opts)
    : osErrorFromErrno(code, syscall, opts);
}
