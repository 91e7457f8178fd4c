// Pipe names for the selector loop: the rules of @iocp/pipes (pipePath in
// @iocp/proactor's pipe-address.ts), restated here because that module's
// package loads the native addon. `\\.\pipe\NAME` on every OS: Windows uses
// it as it is (Node's net serves named pipes there), Linux maps it to a Unix
// socket in the private per-user folder `${XDG_RUNTIME_DIR or /tmp}/iocp-pipes-${euid}`
// (mode 0700, made by the first server); an absolute path is used as is.
// The test pipe-name.test.ts checks that both functions agree.
import * as fs from 'node:fs';
import * as path from 'node:path';

const isWindows = process.platform === 'win32';
const PIPE_PREFIX = '\\\\.\\pipe\\';
const MAX_SOCKET_PATH = 107;

function folder(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const base = runtime !== undefined && path.posix.isAbsolute(runtime) ? runtime : '/tmp';
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  return path.posix.join(base, `iocp-pipes-${uid}`);
}

/** The OS name of a pipe address (TypeError/RangeError naming `address` when it is not one). */
export function selectorPipePath(address: unknown): string {
  if (typeof address !== 'string') throw new TypeError('address must be a string (a pipe name such as \\\\.\\pipe\\NAME)');
  if (address.includes('\0')) throw new RangeError('address must not contain a NUL character');
  if (address.slice(0, PIPE_PREFIX.length).toLowerCase() === PIPE_PREFIX) {
    const name = address.slice(PIPE_PREFIX.length);
    if (name === '' || name === '.' || name === '..' || /[\\/]/.test(name) || address.length > 256) {
      throw new RangeError(`address ${JSON.stringify(address)} is not a pipe name`);
    }
    if (isWindows) return address;
    const socketPath = path.posix.join(folder(), name);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) throw new RangeError(`address is too long for a Unix socket: ${socketPath}`);
    return socketPath;
  }
  if (!isWindows && address.startsWith('/') && !address.endsWith('/')) {
    if (Buffer.byteLength(address) > MAX_SOCKET_PATH) throw new RangeError('address is too long for a Unix socket');
    return address;
  }
  throw new RangeError(`address ${JSON.stringify(address)} is not a pipe name: expected \\\\.\\pipe\\NAME${isWindows ? '' : ' or an absolute socket path'}`);
}

/** Linux: makes the private folder of `\\.\pipe\NAME` sockets (0700) if `socketPath` is in it. */
export function ensurePipeFolder(socketPath: string): void {
  if (isWindows) return;
  const dir = folder();
  if (path.posix.dirname(socketPath) !== dir) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error(`the folder ${dir} must be a folder of this user with mode 0700`);
  }
}
