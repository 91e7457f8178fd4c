// Pipe names (API.md, "@iocp/pipes"): `\\.\pipe\NAME` on every OS. Windows
// uses the name as it is. On Linux a pipe is a Unix socket, and NAME lives in
// a private per-user folder, `${XDG_RUNTIME_DIR or /tmp}/iocp-pipes-${euid}`
// (mode 0700, made by the first server, checked by servers and clients: see
// packages/native/src/linux/os_pipe.cc); an absolute path is used as it is.
import * as path from 'node:path';

import type { OSError } from '@iocp/futures';

import { systemError } from './system-error';

const isWindows = process.platform === 'win32';

/** The prefix of every pipe name: `\\.\pipe\`. */
export const PIPE_PREFIX = '\\\\.\\pipe\\';

// sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
const MAX_SOCKET_PATH = 107;
// A server first binds at a temporary name in the socket's folder,
// "<folder>/.iocp-" and 12 characters (native src/linux/os_pipe.cc
// TemporaryName): 19 bytes after the folder.
const TEMPORARY_NAME_TAIL = '/.iocp-'.length + 12;
// Windows: "The entire pipe name string can be up to 256 characters long."
const MAX_PIPE_NAME = 256;

/**
 * The folder of `\\.\pipe\NAME` sockets on Linux:
 * `${XDG_RUNTIME_DIR or /tmp}/iocp-pipes-${euid}`. An XDG_RUNTIME_DIR that
 * is not absolute is ignored, as the XDG spec asks.
 */
export function pipeFolder(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const base = runtime !== undefined && path.posix.isAbsolute(runtime) ? runtime : '/tmp';
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  return path.posix.join(base, `iocp-pipes-${uid}`);
}

function show(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

/**
 * The OS name of a pipe address for a server (createPipeInstance): as
 * pipePath, and on Linux also the temporary name the server binds at first
 * (in the same folder) must fit a Unix socket address. Throws RangeError
 * when it does not, before anything is created.
 */
export function serverPipePath(address: unknown, argName = 'address'): string {
  const socketPath = pipePath(address, argName);
  if (isWindows) return socketPath;
  const slash = socketPath.lastIndexOf('/');
  const folderBytes = slash === 0 ? 0 : Buffer.byteLength(socketPath.slice(0, slash));
  const temporaryBytes = folderBytes + TEMPORARY_NAME_TAIL;
  if (temporaryBytes > MAX_SOCKET_PATH) {
    throw new RangeError(
      `${argName} is too long for a Unix socket: a server binds first at a temporary name in ` +
        `${show(socketPath.slice(0, Math.max(slash, 1)))}, ${temporaryBytes} bytes, at most ${MAX_SOCKET_PATH}`,
    );
  }
  return socketPath;
}

/**
 * The OS name of a pipe address: the address itself on Windows, the socket
 * path on Linux. Throws TypeError when it is not a string and RangeError
 * when it is not a pipe name (`\\.\pipe\NAME`, or on Linux an absolute
 * path), naming the argument.
 */
export function pipePath(address: unknown, argName = 'address'): string {
  if (typeof address !== 'string') {
    throw new TypeError(`${argName} must be a string (a pipe name such as \\\\.\\pipe\\NAME)`);
  }
  if (address.includes('\0')) throw new RangeError(`${argName} must not contain a NUL character`);
  if (address.slice(0, PIPE_PREFIX.length).toLowerCase() === PIPE_PREFIX) {
    const name = address.slice(PIPE_PREFIX.length);
    if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name)) {
      throw new RangeError(
        `${argName} ${show(address)} is not a pipe name: NAME in \\\\.\\pipe\\NAME must be non-empty, ` +
          `not '.' or '..', and hold no '\\' or '/'`,
      );
    }
    if (address.length > MAX_PIPE_NAME) {
      throw new RangeError(`${argName} is too long: a pipe name has at most ${MAX_PIPE_NAME} characters`);
    }
    if (isWindows) return address;
    const socketPath = path.posix.join(pipeFolder(), name);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new RangeError(
        `${argName} is too long for a Unix socket: ${show(socketPath)} is ${Buffer.byteLength(socketPath)} bytes, ` +
          `at most ${MAX_SOCKET_PATH}`,
      );
    }
    return socketPath;
  }
  if (!isWindows && address.startsWith('/')) {
    if (address.endsWith('/')) throw new RangeError(`${argName} ${show(address)} names a folder, not a socket`);
    if (Buffer.byteLength(address) > MAX_SOCKET_PATH) {
      throw new RangeError(`${argName} is too long for a Unix socket: at most ${MAX_SOCKET_PATH} bytes`);
    }
    return address;
  }
  throw new RangeError(
    `${argName} ${show(address)} is not a pipe name: expected \\\\.\\pipe\\NAME` +
      (isWindows ? '' : ' or an absolute socket path'),
  );
}

/**
 * The OSError of a failed pipe call, its message ending with the address
 * (and, for a refused private folder on Linux, what is wrong with it).
 */
export function pipeError(negatedCode: number, syscall: string, address: string, osName: string): OSError {
  const err = systemError(negatedCode, syscall);
  err.message += `: ${address}`;
  const folder = path.posix.dirname(osName);
  if (!isWindows && err.code === 'EPERM' && folder === pipeFolder()) {
    err.message += ` (the folder ${folder} must be a folder of this user with mode 0700)`;
  }
  return err;
}
