// Port of windows_events.py IocpProactor on the @iocp native core: one
// completion backend (IOCP / io_uring / epoll) per proactor. Completions
// arrive in batches from Node's own event loop (no select() call), and each
// resolves its future; cancelling a future cancels the OS operation.
import { RuntimeError } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import { COMPLETION_WORDS, Core, native } from '@iocp/native';
import type { NativeCore } from '@iocp/native';

import { decodeAddress, encodeAddress, familyNumber } from './address';
import type { SockAddr } from './address';
import { OverlappedFuture } from './overlapped-future';
import type { OperationCanceller } from './overlapped-future';
import { Socket } from './socket';
import type { SocketOwner } from './socket';
import { systemError } from './system-error';

/** Turns a successful completion into the future's value. */
type Finish = (result: number, aux: number, index: number, addrLen: number) => unknown;

/** Anything with a native handle: a Socket, or a PipeHandle from @iocp/pipes. */
export interface Connection {
  fileno(): number;
  readonly _owners?: Set<SocketOwner>;
}

interface PendingOp {
  fut: OverlappedFuture<unknown>;
  finish: Finish;
  handle: number;
  syscall: string;
  /** Reads: a broken pipe or a reset at EOF reads as an empty result. */
  emptyOnBrokenPipe: boolean;
  /** Set when the socket was closed under the operation. */
  aborted: boolean;
}

const ERROR_BROKEN_PIPE = 109;
const EPIPE = 32;
const CANCEL_CODES =
  process.platform === 'win32'
    ? new Set([995 /* ERROR_OPERATION_ABORTED */, 64 /* ERROR_NETNAME_DELETED */, 676 /* Wine: handles closed */])
    : new Set([125 /* ECANCELED */, 9 /* EBADF */, 4 /* EINTR */]);

function checkConnection(conn: unknown, name = 'conn'): Connection {
  if (conn === null || typeof conn !== 'object' || typeof (conn as Connection).fileno !== 'function') {
    throw new TypeError(`${name} must be a Socket or a PipeHandle`);
  }
  return conn as Connection;
}

function checkBytes(buf: unknown, name = 'buf'): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  return buf;
}

function checkCount(n: unknown, name: string): number {
  if (typeof n !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  return n;
}

function checkFlags(flags: unknown): number {
  if (typeof flags !== 'number') throw new TypeError('flags must be a number');
  if (!Number.isInteger(flags) || flags < 0) throw new RangeError(`flags must be a non-negative integer, got ${flags}`);
  return flags;
}

export class IocpProactor implements OperationCanceller, SocketOwner {
  private readonly _core: NativeCore;
  private readonly _ops = new Map<number, PendingOp>();
  private readonly _byHandle = new Map<number, Set<number>>();
  private _loop: BaseEventLoop | undefined;
  private _closed = false;
  private _closing: Promise<void> | null = null;
  private _drained: (() => void) | null = null;
  readonly concurrency: number;

  constructor(concurrency = 0xffffffff) {
    this.concurrency = checkCount(concurrency, 'concurrency');
    this._core = new Core((count) => this._onCompletions(count));
  }

  /** The backend under this proactor: 'iocp', 'io_uring' or 'epoll'. */
  get backend(): string {
    return this._core.backend;
  }

  /** Picks the loop the futures of this proactor belong to. */
  setLoop(loop: BaseEventLoop | undefined): void {
    this._loop = loop;
  }

  toString(): string {
    return `<IocpProactor overlapped#=${this._ops.size} result#=0>`;
  }

  private _checkClosed(): void {
    if (this._closed) throw new RuntimeError('IocpProactor is closed');
  }

  // Port of IocpProactor._register_with_iocp: once per handle and proactor.
  private _register(conn: Connection): number {
    const handle = conn.fileno();
    if (handle < 0) throw systemError(process.platform === 'win32' ? -10038 : -9, 'register');
    const owners = conn._owners;
    if (owners === undefined || !owners.has(this)) {
      const r = this._core.associate(handle);
      if (r < 0) throw systemError(r, 'register');
      owners?.add(this);
    }
    return handle;
  }

  /** Starts an operation; `start` returns the native id or a negated error. */
  private _submit<T>(what: string, handle: number, start: () => number, finish: Finish, emptyOnBrokenPipe = false, emptyValue?: T): OverlappedFuture<T> {
    const fut = new OverlappedFuture<T>(this, what, this._loop);
    const id = start();
    if (id < 0) {
      // Port of IocpProactor.recv: a broken pipe at start reads as EOF.
      if (emptyOnBrokenPipe && (-id === ERROR_BROKEN_PIPE || -id === EPIPE)) {
        fut.setResult(emptyValue as T);
      } else {
        fut.setException(systemError(id, what, { socket: true }));
      }
      return fut;
    }
    fut._id = id;
    this._ops.set(id, { fut: fut, finish, handle, syscall: what, emptyOnBrokenPipe, aborted: false });
    let set = this._byHandle.get(handle);
    if (set === undefined) this._byHandle.set(handle, (set = new Set()));
    set.add(id);
    return fut;
  }

  // Port of IocpProactor._poll's completion handling, once per batch.
  private _onCompletions(count: number): void {
    const records = this._core.completions;
    for (let i = 0; i < count; i++) {
      const base = i * COMPLETION_WORDS;
      const id = records[base];
      const op = this._ops.get(id);
      if (op === undefined) continue;
      this._ops.delete(id);
      const set = this._byHandle.get(op.handle);
      if (set !== undefined) {
        set.delete(id);
        if (set.size === 0) this._byHandle.delete(op.handle);
      }
      const fut = op.fut;
      fut._id = -1;
      // A cancelled future absorbs its operation's late completion.
      if (fut.done()) continue;
      const result = records[base + 1];
      try {
        if (result >= 0) {
          fut.setResult(op.finish(result, records[base + 2], i, records[base + 3]));
        } else if (op.emptyOnBrokenPipe && (-result === ERROR_BROKEN_PIPE || -result === EPIPE)) {
          fut.setResult(op.finish(0, 0, i, 0));
        } else if (op.aborted && CANCEL_CODES.has(-result)) {
          // The handle was closed under the operation (CPython: 995 -> reset).
          fut.setException(systemError(process.platform === 'win32' ? -64 : -104, op.syscall, { socket: true }));
        } else {
          fut.setException(systemError(result, op.syscall, { socket: true }));
        }
      } catch (err) {
        fut.setException(err as Error);
      }
    }
    if (this._ops.size === 0 && this._drained !== null) this._drained();
  }

  /** OperationCanceller: asks the OS to cancel a pending operation. */
  _cancelOperation(id: number): void {
    this._core.cancel(id);
  }

  /** SocketOwner: cancels what is pending on a socket that is closing. */
  _socketClosing(sock: Socket): void {
    this._handleClosing(sock.fileno());
  }

  /** Cancels the operations pending on a handle and forgets it. */
  _handleClosing(handle: number): void {
    const ids = this._byHandle.get(handle);
    if (ids !== undefined) {
      for (const id of ids) {
        const op = this._ops.get(id);
        if (op !== undefined) op.aborted = true;
        this._core.cancel(id);
      }
    }
    if (!this._core.closed) this._core.detach(handle);
  }

  // Port of IocpProactor.recv.
  recv(conn: Connection, nbytes: number, flags = 0): OverlappedFuture<Buffer> {
    checkCount(nbytes, 'nbytes');
    const buf = Buffer.allocUnsafe(nbytes);
    return this._read('recv', conn, buf, flags, (n) => (n === nbytes ? buf : buf.subarray(0, n)), Buffer.alloc(0));
  }

  // Port of IocpProactor.recv_into.
  recvInto(conn: Connection, buf: Uint8Array, flags = 0): OverlappedFuture<number> {
    checkBytes(buf);
    return this._read('recv_into', conn, buf, flags, (n) => n, 0);
  }

  /** recv on a socket, ReadFile/read on a pipe; a broken pipe reads as EOF. */
  private _read<T>(what: string, conn: Connection, buf: Uint8Array, flags: number, finish: Finish, empty: T): OverlappedFuture<T> {
    const handle = this._prepare(conn, flags);
    const isSocket = conn instanceof Socket;
    return this._submit(what, handle,
      () => (isSocket ? this._core.recv(handle, buf, flags) : this._core.read(handle, buf, -1)),
      finish, true, empty);
  }

  /** The checks every operation on a connection starts with; returns its handle. */
  private _prepare(conn: Connection, flags: number): number {
    this._checkClosed();
    checkConnection(conn);
    checkFlags(flags);
    return this._register(conn);
  }

  // Port of IocpProactor.recvfrom.
  recvfrom(conn: Socket, nbytes: number, flags = 0): OverlappedFuture<[Buffer, SockAddr | null]> {
    this._checkClosed();
    checkConnection(conn);
    checkCount(nbytes, 'nbytes');
    checkFlags(flags);
    const handle = this._register(conn);
    const buf = Buffer.allocUnsafe(nbytes);
    return this._submit<[Buffer, SockAddr | null]>('recvfrom', handle, () => this._core.recvFrom(handle, buf, flags),
      (n, _aux, index, addrLen) => [n === nbytes ? buf : buf.subarray(0, n), this._address(index, addrLen)],
      true, [Buffer.alloc(0), null]);
  }

  // Port of IocpProactor.recvfrom_into.
  recvfromInto(conn: Socket, buf: Uint8Array, nbytes?: number, flags = 0): OverlappedFuture<[number, SockAddr | null]> {
    this._checkClosed();
    checkConnection(conn);
    checkBytes(buf);
    const n = nbytes === undefined || nbytes === 0 ? buf.length : checkCount(nbytes, 'nbytes');
    if (n > buf.length) throw new RangeError(`nbytes (${n}) is larger than buf (${buf.length} bytes)`);
    checkFlags(flags);
    const handle = this._register(conn);
    const view = n === buf.length ? buf : buf.subarray(0, n);
    return this._submit<[number, SockAddr | null]>('recvfrom_into', handle, () => this._core.recvFrom(handle, view, flags),
      (got, _aux, index, addrLen) => [got, this._address(index, addrLen)], true, [0, null]);
  }

  private _address(index: number, addrLen: number): SockAddr | null {
    return addrLen > 0 ? decodeAddress(this._core.addresses, index * native.constants.ADDRESS_SIZE, addrLen) : null;
  }

  // Port of IocpProactor.send.
  send(conn: Connection, buf: Uint8Array, flags = 0): OverlappedFuture<number> {
    checkBytes(buf);
    const handle = this._prepare(conn, flags);
    const isSocket = conn instanceof Socket;
    return this._submit('send', handle,
      () => (isSocket ? this._core.send(handle, buf, flags) : this._core.write(handle, buf, -1)),
      (n) => n);
  }

  // Port of IocpProactor.sendto.
  sendto(conn: Socket, buf: Uint8Array, flags = 0, addr?: SockAddr): OverlappedFuture<number> {
    this._checkClosed();
    checkConnection(conn);
    checkBytes(buf);
    checkFlags(flags);
    const address = addr === undefined ? null : encodeAddress(conn.family, addr, 'addr');
    const handle = this._register(conn);
    return this._submit('sendto', handle,
      () => (address === null ? this._core.send(handle, buf, flags) : this._core.sendTo(handle, buf, flags, address)),
      (n) => n);
  }

  // Port of IocpProactor.accept: resolves to the new socket and the peer.
  accept(listener: Socket): OverlappedFuture<[Socket, SockAddr]> {
    this._checkClosed();
    checkConnection(listener, 'listener');
    const handle = this._register(listener);
    return this._submit<[Socket, SockAddr]>('accept', handle, () => this._core.accept(handle, familyNumber(listener.family)),
      (newHandle, _aux, index, addrLen) => {
        const sock = new Socket(listener.family, listener.type, newHandle);
        let peer = this._address(index, addrLen);
        if (peer === null) peer = listener.family === 'unix' ? '' : sock.getpeername();
        return [sock, peer];
      });
  }

  // Port of IocpProactor.connect. A bad address is a TypeError at once
  // (gh-98793), before anything is submitted.
  connect(conn: Socket, addr: SockAddr): OverlappedFuture<Socket> {
    this._checkClosed();
    checkConnection(conn);
    const address = encodeAddress(conn.family, addr, 'addr');
    const handle = this._register(conn);
    return this._submit('connect', handle, () => this._core.connect(handle, address, familyNumber(conn.family)), () => conn);
  }

  // Port of IocpProactor.sendfile: fd is a Node file descriptor.
  sendfile(sock: Socket, fd: number, offset: number, count: number): OverlappedFuture<number> {
    this._checkClosed();
    checkConnection(sock, 'sock');
    checkCount(fd, 'fd');
    checkCount(offset, 'offset');
    checkCount(count, 'count');
    const handle = this._register(sock);
    const file = native.fdToHandle(fd);
    if (file < 0) throw systemError(file, 'sendfile');
    return this._submit('sendfile', handle, () => this._core.sendFile(handle, file, offset, count), (n) => n);
  }

  /**
   * Port of IocpProactor.wait_for_handle: resolves true when the handle is
   * signalled, false when timeoutMs passes first. The signal is not consumed
   * (except by Windows auto-reset events, whose satisfied wait resets them).
   */
  waitForHandle(handle: number | { handle: number }, timeoutMs?: number | null): OverlappedFuture<boolean> {
    this._checkClosed();
    let h: number;
    if (typeof handle === 'number') h = handle;
    else if (handle !== null && typeof handle === 'object' && typeof handle.handle === 'number') h = handle.handle;
    else throw new TypeError('handle must be a handle number or an object with a handle property (such as Event)');
    checkCount(h, 'handle');
    let ms = -1;
    if (timeoutMs !== undefined && timeoutMs !== null) {
      if (typeof timeoutMs !== 'number') throw new TypeError('timeoutMs must be a number');
      if (Number.isNaN(timeoutMs) || timeoutMs < 0) throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
      ms = Number.isFinite(timeoutMs) ? Math.min(Math.ceil(timeoutMs), 0x7ffffffe) : -1;
    }
    return this._submit('wait_for_handle', h, () => this._core.waitHandle(h, ms), (r) => r === 1);
  }

  /**
   * Port of IocpProactor.close: cancels every pending operation, waits until
   * each one's completion has come back (logging every second it waits),
   * then releases the backend. Idempotent.
   */
  close(): Promise<void> {
    if (this._closing !== null) return this._closing;
    this._closed = true;
    for (const op of this._ops.values()) {
      if (!op.fut.done()) op.fut.cancel();
    }
    const drained =
      this._ops.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const started = Date.now();
            const timer = setInterval(() => {
              if (this._loop?.getDebug()) {
                const seconds = ((Date.now() - started) / 1000).toFixed(1);
                console.debug(`${this.toString()} is running after closing for ${seconds} seconds`);
              }
            }, 1000);
            timer.unref();
            this._drained = () => {
              this._drained = null;
              clearInterval(timer);
              resolve();
            };
          });
    this._closing = drained.then(() => {
      this._core.close();
    });
    return this._closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

