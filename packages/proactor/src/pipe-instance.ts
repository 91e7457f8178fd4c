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
  const { first = true, rejectRemote = true, bufsize = 8192 } = opts;
  if (typeof first !== 'boolean') throw new TypeError('first must be a boolean');
  if (typeof rejectRemote !== 'boolean') throw new TypeError('rejectRemote must be a boolean');
  if (typeof bufsize !== 'number') throw new TypeError('bufsize must be a number');
  if (!Number.isInteger(bufsize) || bufsize < 0 || bufsize > 0x7fffffff) {
    throw new RangeError(`bufsize must be an integer in [0, 2147483647], got ${bufsize}`);
  }
  const r = native.pipeInstance(name, first, rejectRemote, bufsize);
  if (r < 0) {
    const err = pipeError(r, isWindows ? 'CreateNamedPipe' : 'bind', address, name);
    if (err.code === 'EACCES') err.message += ' (a server has this name already)';
    throw err;
  }
  const pipe = new PipeHandle(r);
  if (!isWindows) pipe._releaseName = name;
  return pipe;
}
