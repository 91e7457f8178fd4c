// Port of windows_utils.py PipeHandle and pipe(): a pipe handle the proactor
// reads and writes (ReadFile/WriteFile on Windows, read/write on Linux),
// and a connected pair of them.
//
// A PipeHandle is an overlapped named-pipe HANDLE on Windows. On Linux it is
// a file descriptor: a connected Unix socket (a named pipe's connection,
// or pipe({duplex: true})), a pipe2 end, or the listening socket of a named
// pipe server instance (see pipe-instance.ts).
import { native } from '@iocp/native';

import type { OverlappedFuture } from './overlapped-future';
import type { SocketOwner } from './socket';
import { check } from './system-error';

/**
 * One end of a pipe (windows_utils.PipeHandle): a named-pipe or anonymous
 * pipe HANDLE on Windows, a Unix socket or pipe fd on Linux. Made by pipe(),
 * createPipeInstance(), IocpProactor.acceptPipe/connectPipe and PipeServer;
 * its I/O goes through IocpProactor (`recv`, `send`, ...) or a pipe transport.
 */
export class PipeHandle {
  private _handle: number;
  /** Owners (proactors) that ran operations on this handle. */
  readonly _owners = new Set<SocketOwner>();
  /** @internal The first operation pending on this handle (see IocpProactor._track). */
  _opHead: OverlappedFuture<unknown> | null = null;
  /** Linux server instances: the socket path, tidied away at close (pipe-instance.ts). */
  _releaseName: string | undefined = undefined;
  /** @internal Linux server instances: connections accepted for nobody yet (pipe-accept.ts). */
  readonly _unclaimed: PipeHandle[] = [];

  /** Wraps an OS handle (a HANDLE on Windows, an fd on Linux); the PipeHandle owns it from now on. */
  constructor(handle: number) {
    if (typeof handle !== 'number') throw new TypeError('handle must be a number');
    if (!Number.isSafeInteger(handle) || handle < 0) {
      throw new RangeError(`handle must be a non-negative integer, got ${handle}`);
    }
    this._handle = handle;
  }

  /** The OS handle, or -1 once closed. */
  get handle(): number {
    return this._handle;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this._handle < 0;
  }

  /** The OS handle; throws Error('I/O operation on closed pipe') once closed. */
  fileno(): number {
    if (this._handle < 0) throw new Error('I/O operation on closed pipe');
    return this._handle;
  }

  /**
   * Closes the handle (idempotent). Operations still pending on it are
   * cancelled first; their futures end cancelled, or reads and writes with
   * ConnectionResetError and other operations with an OSError 'ECANCELED'.
   */
  close(): void {
    if (this._handle < 0) return;
    const handle = this._handle;
    for (const owner of this._owners) owner._connectionClosing(this);
    this._owners.clear();
    this._handle = -1;
    native.closeHandle(handle);
    if (this._releaseName !== undefined) native.pipeRelease(this._releaseName);
    for (const conn of this._unclaimed.splice(0)) conn.close();
  }

  /** `using pipe = ...`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<PipeHandle handle=N>`, or `<PipeHandle closed>`. */
  toString(): string {
    return this._handle < 0 ? '<PipeHandle closed>' : `<PipeHandle handle=${this._handle}>`;
  }
}

/** Options of pipe(). */
export interface PipeOptions {
  /** Both ends read and write (default false: [read end, write end]). */
  duplex?: boolean;
  /**
   * Whether each end is overlapped (default [true, true]). Only overlapped
   * ends may go to a proactor; the other kind (synchronous on Windows,
   * blocking on Linux) is for a child process.
   */
  overlapped?: readonly [boolean, boolean];
  /** Windows: the pipe's buffer size (default 8192). Linux ignores it. */
  bufsize?: number;
}

/**
 * Port of windows_utils.pipe: like os.pipe(), but with overlapped ends and
 * handles. Windows: a one-instance named pipe under a unique name; Linux: a
 * socketpair when duplex, else a pipe. Returns [read end, write end].
 */
export function pipe(opts: PipeOptions = {}): [PipeHandle, PipeHandle] {
  if (opts === null || typeof opts !== 'object') throw new TypeError('opts must be an object');
  const { duplex = false, overlapped = [true, true], bufsize = 8192 } = opts;
  if (typeof duplex !== 'boolean') throw new TypeError('duplex must be a boolean');
  if (
    !Array.isArray(overlapped) ||
    overlapped.length !== 2 ||
    typeof overlapped[0] !== 'boolean' ||
    typeof overlapped[1] !== 'boolean'
  ) {
    throw new TypeError('overlapped must be a pair of booleans');
  }
  if (typeof bufsize !== 'number') throw new TypeError('bufsize must be a number');
  if (!Number.isInteger(bufsize) || bufsize < 0 || bufsize > 0x7fffffff) {
    throw new RangeError(`bufsize must be an integer in [0, 2147483647], got ${bufsize}`);
  }
  const [a, b] = check(native.pipePair(duplex, overlapped[0], overlapped[1], bufsize), 'pipe');
  return [new PipeHandle(a), new PipeHandle(b)];
}
