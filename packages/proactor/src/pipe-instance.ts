// A named-pipe server instance, the handle IocpProactor.acceptPipe waits on.
// Port of windows_events.py PipeServer._server_pipe_handle (PipeServer
// itself is @iocp/pipes'): on Windows a CreateNamedPipeW instance, which one
// client connects to (acceptPipe resolves to the instance itself; a server
// makes the next instance first, so that clients never find the name gone).
// On Linux a Unix socket listening at the pipe's path, which stays listening
// (acceptPipe resolves to a new PipeHandle per client), so one instance
// serves every client; its socket file is removed when it is closed.
import { native } from '@iocp/native';

import { pipeError, serverPipePath } from './pipe-address';
import { PipeHandle } from './pipe-handle';

const isWindows = process.platform === 'win32';

/** Options of createPipeInstance(). */
export interface PipeInstanceOptions {
  /**
   * The first instance of this name (default true): FILE_FLAG_FIRST_PIPE_INSTANCE,
   * so a name another server holds throws PermissionError instead of sharing
   * it. Later instances of a server pass false (Windows). On Linux every
   * instance is exclusive (a socket path has one listener).
   */
  first?: boolean;
  /** Windows: PIPE_REJECT_REMOTE_CLIENTS (default true). Unix sockets are local anyway. */
  rejectRemote?: boolean;
  /** Windows: the input and output buffer size (default 8192). Linux ignores it. */
  bufsize?: number;
  /**
   * A message-mode pipe, whose reads give whole messages (Windows
   * PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, Linux SOCK_SEQPACKET).
   * Default: true on Windows (CPython's PipeServer instances), false on Linux.
   */
  messageMode?: boolean;
  /** Windows: the output buffer size (default `bufsize`, which is then the input one). */
  outBufsize?: number;
  /** Windows: the most instances the name may have, 1 to 255 (default 255: unlimited). */
  maxInstances?: number;
  /** Linux: the socket file's permission bits (default 0o600: owner only). */
  mode?: number;
  /**
   * Windows: the instances' security descriptor as an SDDL string. Default:
   * owner only (the current user and SYSTEM), not the default DACL, which
   * lets Everyone read.
   */
  sddl?: string;
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * A server instance of the named pipe `address` (`\\.\pipe\NAME`, or on
 * Linux an absolute socket path). Throws PermissionError when a live server
 * holds the name (first instance), TypeError/RangeError for bad arguments
 * (on Linux RangeError also when the socket path, or the temporary name the
 * server binds at first in its folder, does not fit a Unix socket address).
 */
export function createPipeInstance(address: string, opts: PipeInstanceOptions = {}): PipeHandle {
  const name = serverPipePath(address);
  if (opts === null || typeof opts !== 'object') throw new TypeError('opts must be an object');
  const { first = true, rejectRemote = true, bufsize = 8192, messageMode = isWindows } = opts;
  const { outBufsize = bufsize, maxInstances = 255, mode = 0o600, sddl = '' } = opts;
  if (typeof first !== 'boolean') throw new TypeError('first must be a boolean');
  if (typeof rejectRemote !== 'boolean') throw new TypeError('rejectRemote must be a boolean');
  if (typeof messageMode !== 'boolean') throw new TypeError('messageMode must be a boolean');
  checkInteger('bufsize', bufsize, 0, 0x7fffffff);
  checkInteger('outBufsize', outBufsize, 0, 0x7fffffff);
  checkInteger('maxInstances', maxInstances, 1, 255);
  checkInteger('mode', mode, 0, 0o777);
  if (typeof sddl !== 'string') throw new TypeError('sddl must be a string');
  if (sddl.includes('\0')) throw new RangeError('sddl must not contain a NUL character');
  const r = native.pipeInstance(name, first, rejectRemote, bufsize, messageMode, outBufsize, maxInstances, mode, sddl);
  if (r < 0) {
    const err = pipeError(r, isWindows ? 'CreateNamedPipe' : 'bind', address, name);
    if (err.code === 'EACCES') err.message += ' (a server has this name already)';
    // ERROR_INVALID_SECURITY_DESCR (1338) and the SDDL parser's ERROR_INVALID_PARAMETER (87).
    if (sddl !== '' && (err.winerror === 1338 || err.winerror === 87)) err.message += ` (sddl ${JSON.stringify(sddl)})`;
    throw err;
  }
  const pipe = new PipeHandle(r);
  if (!isWindows) pipe._releaseName = name;
  return pipe;
}
