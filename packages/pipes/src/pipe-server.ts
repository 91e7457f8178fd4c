// Port of windows_events.py PipeServer: the server side of a named pipe,
// a set of instances of one name, with one spare instance always listening
// until close, so that a client never finds the name gone (and never sees
// FileNotFoundError) while the server lives.
//
// Windows: each instance serves one client. The first is made with
// FILE_FLAG_FIRST_PIPE_INSTANCE (a second server on a live name throws
// PermissionError); _getUnconnectedPipe() hands out the spare and makes the
// next one first (CPython's swap). Differences from CPython: the options
// below (CPython always makes message-mode, default-DACL instances), and
// maxInstances: when the name has all its instances, no spare can be made
// until a client leaves, so _getUnconnectedPipe() returns null and the
// accept loop tries again later (clients meanwhile get ERROR_PIPE_BUSY,
// which connectPipe retries).
//
// Linux: one instance, a listening Unix socket, serves every client (each
// accept gives a new connection, see @iocp/proactor pipe-instance.ts), so
// _getUnconnectedPipe() returns that instance. Buffer sizes belong to each
// connection there: _setUpConnection() applies them to accepted ones.
import { osErrorFromNative } from '@iocp/futures';
import type { OSError } from '@iocp/futures';
import { native } from '@iocp/native';
import { createPipeInstance, pipePath } from '@iocp/proactor';
import type { PipeHandle } from '@iocp/proactor';

import { checkServerOptions } from './pipe-server-options';
import type { PipeServerOptions } from './pipe-server-options';

const isWindows = process.platform === 'win32';

/** ERROR_PIPE_BUSY: the name has maxInstances instances already. */
const ERROR_PIPE_BUSY = 231;

/**
 * A named pipe server (windows_events.py PipeServer): it keeps an instance
 * listening for the next client at all times, from construction until
 * close(). The first instance is exclusive, so a second server on a live
 * name fails with PermissionError (no squatting); access is owner-only by
 * default. Windows: `CreateNamedPipeW` instances (`FILE_FLAG_FIRST_PIPE_INSTANCE`,
 * `PIPE_REJECT_REMOTE_CLIENTS`, a DACL for the user and SYSTEM); Linux: a
 * Unix socket at pipePath(address), 0600 in a 0700 folder, published by hard
 * link once it listens. Usually made by startServingPipe or startPipeServer,
 * which accept its clients.
 */
export class PipeServer {
  private readonly _name: string;
  /** CPython's _address: null once closed. */
  private _address: string | null;
  private readonly _opts: Readonly<PipeServerOptions>;
  /** @internal Instances no client took yet (CPython's _free_instances). */
  readonly _freeInstances = new Set<PipeHandle>();
  /** The spare instance (Windows), or the listening one (Linux). */
  private _pipe: PipeHandle | null = null;
  /** @internal The accept in flight, cancelled by close(). */
  _acceptPipeFuture: { cancel(): unknown } | null = null;
  /** @internal Called once by close() (startServingPipe releases its loop there). */
  _onClose: (() => void) | null = null;

  /**
   * Makes the first instance of the pipe `address` (`\\.\pipe\NAME`, or on
   * Linux an absolute socket path). Throws PermissionError when a live
   * server has the name, TypeError/RangeError for bad arguments, and Error
   * for an option the OS does not have (sddl on Linux, mode on Windows).
   */
  constructor(address: string, opts: PipeServerOptions = {}) {
    pipePath(address);
    this._opts = checkServerOptions(opts);
    this._name = address;
    this._address = address;
    this._pipe = this._serverPipeHandle(true);
  }

  /** The pipe's name, as given. */
  get address(): string {
    return this._name;
  }

  /** @internal The options the server was made with. */
  get _options(): Readonly<PipeServerOptions> {
    return this._opts;
  }

  // Port of PipeServer._get_unconnected_pipe: makes a new instance and
  // returns the previous one, so that (until the server is closed) at least
  // one instance of the name is always there. Linux: the listening instance,
  // made again if it was closed. Null once the server is closed, or
  // (Windows) while the name has all its instances.
  /** @internal */
  _getUnconnectedPipe(): PipeHandle | null {
    if (this.closed()) return null;
    if (!isWindows) {
      if (this._pipe === null || this._pipe.closed) this._pipe = this._serverPipeHandle(true);
      return this._pipe;
    }
    const tmp = this._pipe ?? this._spareOrNull();
    this._pipe = tmp === null ? null : this._spareOrNull();
    return tmp;
  }

  /** A new non-first instance, or null (Windows) when the name has maxInstances already. */
  private _spareOrNull(): PipeHandle | null {
    try {
      return this._serverPipeHandle(false);
    } catch (err) {
      if ((err as OSError).winerror === ERROR_PIPE_BUSY) return null;
      throw err;
    }
  }

  // Port of PipeServer._server_pipe_handle.
  /** @internal A new instance, registered as free; null once closed. */
  _serverPipeHandle(first: boolean): PipeHandle | null {
    if (this.closed()) return null;
    const o = this._opts;
    const pipe = createPipeInstance(this._name, {
      first,
      messageMode: o.messageMode,
      bufsize: o.inBufferSize,
      outBufsize: o.outBufferSize,
      maxInstances: o.maxInstances,
      ...(isWindows ? { sddl: o.sddl } : { mode: o.mode }),
    });
    this._freeInstances.add(pipe);
    return pipe;
  }

  /**
   * @internal Linux: gives an accepted connection the server's buffer
   * sizes (SO_RCVBUF, SO_SNDBUF: a Unix socket does not inherit them from
   * its listener). In message mode the send buffer is the one the native
   * layer gives client ends, so that no message outgrows a 64 KiB read.
   * Throws OSError.
   */
  _setUpConnection(conn: PipeHandle): void {
    if (isWindows) return;
    const c = native.constants;
    const set = (name: number, value: number): void => {
      const r = native.setsockopt(conn.fileno(), c.SOL_SOCKET, name, value);
      if (r < 0) throw osErrorFromNative(-r, 'setsockopt');
    };
    if (this._opts.messageMode) set(c.SO_SNDBUF, MESSAGE_SEND_BUFFER);
    else if (this._opts.outBufferSize !== undefined) set(c.SO_SNDBUF, this._opts.outBufferSize);
    if (this._opts.inBufferSize !== undefined) set(c.SO_RCVBUF, this._opts.inBufferSize);
  }

  /** True once close() was called. */
  closed(): boolean {
    return this._address === null;
  }

  // Port of PipeServer.close: cancels the accept in flight and closes every
  // instance no client took. Connections already handed to transports are
  // theirs to close (as asyncio's Server.close leaves its connections).
  /** Stops serving: closes every free instance (idempotent). */
  close(): void {
    if (this._acceptPipeFuture !== null) {
      this._acceptPipeFuture.cancel();
      this._acceptPipeFuture = null;
    }
    if (this._address === null) return;
    for (const pipe of this._freeInstances) pipe.close();
    this._pipe = null;
    this._address = null;
    this._freeInstances.clear();
    const onClose = this._onClose;
    this._onClose = null;
    onClose?.();
  }

  /** `using server = new PipeServer(...)`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<PipeServer address="...">`, with " closed" once closed. */
  toString(): string {
    return `<PipeServer address=${JSON.stringify(this._name)}${this.closed() ? ' closed' : ''}>`;
  }
}

/**
 * Linux message mode: the send buffer of every connection, as the native
 * layer gives client ends (src/linux/os_pipe.cc kMessageSendBuffer): no
 * message is longer than 65504 bytes, so a 64 KiB read never cuts one.
 */
const MESSAGE_SEND_BUFFER = 32768;
