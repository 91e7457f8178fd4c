// The OSError family of PEP 3151 (Python's builtin exception hierarchy for
// system errors), with Node's naming of error codes.
//
// Python maps an errno to a subclass inside OSError.__new__; here the
// mapping lives in os-error-from-native.ts and every class can also be made
// directly: `new ConnectionResetError()` gets the errno and code of
// ECONNRESET, `new OSError(errno.EBADF, 'bad fd', {syscall: 'read'})` the
// code 'EBADF'.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

const errnoByName = constants.errno as Readonly<Record<string, number>>;

let codeByErrno: Map<number, string> | undefined;
let descriptionByCode: Map<string, string> | undefined;

/** The errno that a code names on this platform (os.constants.errno), or undefined. */
export function errnoOfCode(code: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(errnoByName, code) ? errnoByName[code] : undefined;
}

// Aliases that share a number with a name libuv prefers (EWOULDBLOCK is
// EAGAIN on Linux): the reverse lookup keeps the libuv name.
const PREFERRED = new Set(['EAGAIN', 'EDEADLK', 'ENOTSUP']);

/** The Node-style code for an errno of this platform ('ECONNRESET'), or 'UNKNOWN'. */
export function codeOfErrno(errno: number): string {
  if (codeByErrno === undefined) {
    codeByErrno = new Map();
    for (const [name, value] of Object.entries(errnoByName)) {
      if (!codeByErrno.has(value) || PREFERRED.has(name)) codeByErrno.set(value, name);
    }
  }
  return codeByErrno.get(errno) ?? 'UNKNOWN';
}

/** libuv's strerror text for a code ('connection reset by peer'), as Node prints it. */
export function describeCode(code: string): string {
  if (descriptionByCode === undefined) {
    descriptionByCode = new Map();
    for (const [name, text] of getSystemErrorMap().values()) descriptionByCode.set(name, text);
  }
  return descriptionByCode.get(code) ?? 'unknown error';
}

/** Options of the OSError constructors. */
export interface OSErrorOptions extends ErrorOptions {
  /** Node-style code; derived from errno when omitted. */
  code?: string;
  /** The system call that failed ('connect', 'WSARecv'). */
  syscall?: string;
  /** The Windows error code (GetLastError / NTSTATUS-translated), on Windows. */
  winerror?: number;
}

/**
 * A system error: Python's OSError with Node's `code` and `syscall`.
 *
 * `new OSError(errno, message?, options?)` or, like Python's one-argument
 * form, `new OSError(message)`. Without an errno a subclass uses the errno of
 * its default code (ConnectionResetError: ECONNRESET); a plain OSError has
 * errno 0 and code 'UNKNOWN'. Without a message it is made Node's way:
 * `connect ECONNREFUSED: connection refused`.
 */
export class OSError extends Error {
  /** The code a subclass stands for when made without an errno. */
  static readonly defaultCode: string | undefined = undefined;

  /** The errno of this platform (a positive number; 0 when unknown). */
  errno: number;
  /** Node-style error code ('ECONNRESET'), 'UNKNOWN' when there is none. */
  code: string;
  /** The failed system call, when known. */
  declare syscall?: string;
  /** The Windows error code this error was made from, on Windows. */
  declare winerror?: number;

  constructor(errnoOrMessage?: number | string, message?: string, options: OSErrorOptions = {}) {
    const own = new.target;
    let errno: number;
    let text: string | undefined = message;
    if (typeof errnoOrMessage === 'string') {
      text = errnoOrMessage;
      errno = NaN;
    } else if (typeof errnoOrMessage === 'number') {
      errno = errnoOrMessage;
    } else if (errnoOrMessage === undefined) {
      errno = NaN;
    } else {
      throw new TypeError('errno must be a number or a message string');
    }
    let code = options.code;
    if (Number.isNaN(errno)) {
      code ??= own.defaultCode;
      errno = (code === undefined ? undefined : errnoOfCode(code)) ?? 0;
    }
    code ??= errno === 0 ? 'UNKNOWN' : codeOfErrno(errno);
    const base = options.syscall === undefined ? code : `${options.syscall} ${code}`;
    super(text ?? `${base}: ${describeCode(code)}`, options);
    this.name = own.name;
    this.errno = errno;
    this.code = code;
    if (options.syscall !== undefined) this.syscall = options.syscall;
    if (options.winerror !== undefined) this.winerror = options.winerror;
  }
}

/** A connection-related error (Python's ConnectionError). */
export class ConnectionError extends OSError {}

/** EPIPE / ESHUTDOWN: writing to a pipe or socket whose other end is closed. */
export class BrokenPipeError extends ConnectionError {
  static override readonly defaultCode: string | undefined = 'EPIPE';
}

/** ECONNABORTED: the connection was aborted by this side or the network. */
export class ConnectionAbortedError extends ConnectionError {
  static override readonly defaultCode: string | undefined = 'ECONNABORTED';
}

/** ECONNREFUSED: nobody listens at the address. */
export class ConnectionRefusedError extends ConnectionError {
  static override readonly defaultCode: string | undefined = 'ECONNREFUSED';
}

/** ECONNRESET: the peer reset the connection. */
export class ConnectionResetError extends ConnectionError {
  static override readonly defaultCode: string | undefined = 'ECONNRESET';
}

/** ENOENT: no such file, directory or pipe. */
export class FileNotFoundError extends OSError {
  static override readonly defaultCode: string | undefined = 'ENOENT';
}

/** EEXIST: the file or pipe already exists. */
export class FileExistsError extends OSError {
  static override readonly defaultCode: string | undefined = 'EEXIST';
}

/** EACCES / EPERM: not allowed. */
export class PermissionError extends OSError {
  static override readonly defaultCode: string | undefined = 'EACCES';
}

/** EINTR: a system call was interrupted by a signal. */
export class InterruptedError extends OSError {
  static override readonly defaultCode: string | undefined = 'EINTR';
}

/** EAGAIN / EALREADY / EINPROGRESS: the operation would block. */
export class BlockingIOError extends OSError {
  static override readonly defaultCode: string | undefined = 'EAGAIN';
}

/** ECHILD: no such child process. */
export class ChildProcessError extends OSError {
  static override readonly defaultCode: string | undefined = 'ECHILD';
}

/** EISDIR: a directory where a file was expected. */
export class IsADirectoryError extends OSError {
  static override readonly defaultCode: string | undefined = 'EISDIR';
}

/** ENOTDIR: a file where a directory was expected. */
export class NotADirectoryError extends OSError {
  static override readonly defaultCode: string | undefined = 'ENOTDIR';
}

/** ESRCH: no such process (sending a signal to a process that is gone). */
export class ProcessLookupError extends OSError {
  static override readonly defaultCode: string | undefined = 'ESRCH';
}
