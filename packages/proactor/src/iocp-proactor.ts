// Port of windows_events.py IocpProactor on the @iocp native core: one
// completion backend (IOCP / io_uring / epoll) per proactor. Completions
// arrive in batches from Node's own event loop (no select() call), and each
// resolves its future; cancelling a future cancels the OS operation.
import { RuntimeError } from '@iocp/futures';
import type { BaseEventLoop, Future, FutureOptions, OSError } from '@iocp/futures';
import { COMPLETION_WORDS, Core, native } from '@iocp/native';
import type { NativeCore } from '@iocp/native';

import { decodeAddress, encodeAddress, familyNumber } from './address';
import type { SockAddr } from './address';
import { OverlappedFuture } from './overlapped-future';
import type { Finisher, OperationCanceller, TrackedConnection, TrackedOp } from './overlapped-future';
import type { TransportRead } from './transport-read';
import type { PipeHandle } from './pipe-handle';
import { acceptPipe as acceptPipeOp, connectPipe as connectPipeOp } from './pipe-ops';
import type { PipeOpsHost } from './pipe-ops';
import { Event } from './event';
import { Socket } from './socket';
import type { SocketOwner } from './socket';
import { operationError } from './operation-error';
import { reportFutureError } from './report';
import {
  checkBytes,
  checkBytesList,
  checkConnection,
  checkCount,
  checkFlags,
  checkSize,
} from './proactor-args';
import { systemError } from './system-error';

/** Anything with a native handle: a Socket, or a PipeHandle from @iocp/pipes. */
export interface Connection extends TrackedConnection {
  readonly _owners?: Set<SocketOwner>;
}

const ERROR_BROKEN_PIPE = 109;
const EPIPE = 32;
/** The native id's slot bits (src/common/op.h OpTable::kSlotBits). */
const SLOT_MASK = (1 << 22) - 1;

// The finishers: module functions (no closure per operation) that turn a
// successful result into the future's value.
const finishCount: Finisher = (_fut, n) => n;
const finishRecv: Finisher = (fut, n) => {
  const buf = fut._buf as Buffer;
  return n === buf.length ? buf : buf.subarray(0, n);
};
const finishRecvfrom: Finisher = (fut, n, index, addrLen) => [
  finishRecv(fut, n, index, addrLen),
  (fut._canceller as IocpProactor)._address(index, addrLen),
];
const finishRecvfromInto: Finisher = (fut, n, index, addrLen) => [
  n,
  (fut._canceller as IocpProactor)._address(index, addrLen),
];
/**
 * A transport read of at least this many bytes comes as a Buffer the native
 * core hands over (the memory the OS received into) instead of being copied
 * into the transport's buffer: see _readFor.
 */
export const HAND_OUT_AT = 16 * 1024;
// A transport's read (_readFor, chunk true): the bytes in the buffer it was given, or the Buffer
// handed out for it (in `received`, slot `index`; the last slot for one
// finished at once), taken so that nothing keeps it there.
const finishChunk: Finisher = (fut, n, index) =>
  (n >= HAND_OUT_AT && takeReceived(fut, index)) || n;
/** From this size on, recv(conn, nbytes) receives into a Buffer the core makes (see recv). */
const NEW_BUFFER_FROM = 4096;
// A recv into a new Buffer: the Buffer the core put in `received` (none at
// end of file).
const finishNewBuffer: Finisher = (fut, n, index) => {
  if (n === 0) return Buffer.alloc(0);
  const data = takeReceived(fut, index);
  if (data === undefined) throw new Error(`${fut._what}: the received bytes were not delivered`);
  return data;
};
/**
 * Takes the Buffer the core put in `received` for completion record `index`
 * (-1: the op finished during its call, the last slot), so that nothing
 * keeps it there.
 */
function takeReceived(fut: TrackedOp, index: number): Buffer | undefined {
  const received = (fut._canceller as IocpProactor)._received;
  const slot = index < 0 ? received.length - 1 : index;
  const data = received[slot];
  if (data !== undefined) received[slot] = undefined;
  return data;
}
const finishRecvfromNew: Finisher = (fut, n, index, addrLen) => [
  finishNewBuffer(fut, n, index, addrLen),
  (fut._canceller as IocpProactor)._address(index, addrLen),
];
const finishConnect: Finisher = (fut) => fut._conn;
const finishWait: Finisher = (_fut, r) => r === 1;
/** What a finisher returns when it started the operation again under the same future. */
const RESTARTED = Symbol('restarted');
// A satisfied wait resets an auto-reset event (WaitForSingleObject's rule,
// which Windows applies itself). An eventfd is polled, not read, so on Linux
// the waiter that reads the signal first wins; one that finds it taken
// waits again for the time it has left.
const finishWaitAutoReset: Finisher = (fut, r) => {
  if (r !== 1) return false;
  const wait = (fut as OverlappedFuture<boolean>)._autoReset as { handle: number; deadline: number };
  const taken = native.eventReset(wait.handle);
  if (taken < 0) throw systemError(taken, fut._what);
  if (taken === 1) return true;
  return (fut._canceller as IocpProactor)._restartWait(fut as OverlappedFuture<boolean>, wait);
};
const finishAccept: Finisher = (fut, newHandle, index, addrLen) => {
  const listener = fut._conn as Socket;
  const sock = new Socket(listener.family, listener.type, newHandle);
  let peer = (fut._canceller as IocpProactor)._address(index, addrLen);
  if (peer === null) peer = listener.family === 'unix' ? '' : sock.getpeername();
  return [sock, peer];
};

export class IocpProactor implements OperationCanceller, SocketOwner {
  private readonly _core: NativeCore;
  /** The core's `immediate` ([id, result] of a send done during the call). */
  private readonly _immediate: Int32Array;
  /** @internal The native core's `received` (see _readFor). */
  readonly _received: (Buffer | undefined)[];
  /** Pending operations by their native id's slot (ids reuse slots densely). */
  private readonly _slots: (TrackedOp | undefined)[] = [];
  private _pending = 0;
  private _loop: BaseEventLoop | undefined;
  /** The options every future of this proactor is made with (its loop). */
  private _futureOpts: FutureOptions | undefined = undefined;
  private _closed = false;
  private _closing: Promise<void> | null = null;
  private _drained: (() => void) | null = null;
  /** Work that is not a native operation (connectPipe's retries), cancelled by close(). */
  private readonly _closeHooks = new Set<() => void>();
  /**
   * The completion port's NumberOfConcurrentThreads on Windows (CPython's
   * IocpProactor(concurrency=INFINITE)). One poller thread drains the port,
   * so it changes nothing there in practice; io_uring and epoll have no such
   * setting (completions are read on the JavaScript thread), and Linux
   * only keeps the value.
   */
  readonly concurrency: number;

  // Port of IocpProactor.__init__: concurrency is a DWORD.
  constructor(concurrency = 0xffffffff) {
    this.concurrency = checkCount(concurrency, 'concurrency');
    if (concurrency > 0xffffffff) {
      throw new RangeError(`concurrency must be at most 4294967295 (a DWORD), got ${concurrency}`);
    }
    this._core = new Core((count) => this._onCompletions(count), undefined, concurrency);
    // Sends the OS takes whole at once resolve at once (see _track).
    this._core.allowImmediate(true);
    this._immediate = this._core.immediate;
    this._received = this._core.received;
  }

  /** The backend under this proactor: 'iocp', 'io_uring' or 'epoll'. */
  get backend(): string {
    return this._core.backend;
  }

  /** Picks the loop the futures of this proactor belong to. */
  setLoop(loop: BaseEventLoop | undefined): void {
    this._loop = loop;
    this._futureOpts = loop ? { loop } : undefined;
  }

  /** How many operations are pending (started, their completion not yet delivered). */
  get pendingOperations(): number {
    return this._pending;
  }

  /**
   * @internal How many pending operations someone still waits for: those
   * whose future is not done (a cancelled one waits only for the OS to
   * finish it). Scans the table; for rare checks (the shared loop going idle).
   */
  _awaitedOperations(): number {
    let n = 0;
    for (const fut of this._slots) if (fut !== undefined && fut._id >= 0 && !fut.done()) n++;
    return n;
  }

  toString(): string {
    return `<IocpProactor overlapped#=${this._pending} result#=0>`;
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

  /**
   * Makes the future of an operation the native core started (id >= 0) or
   * refused (a negated error, which fails the future at once).
   */
  private _track<T>(
    what: string,
    id: number,
    finish: Finisher,
    conn: Connection | null,
    buf: Uint8Array | null = null,
  ): OverlappedFuture<T> {
    const fut = new OverlappedFuture<T>(this, what, this._futureOpts);
    this._begin(fut, id, finish, conn, buf);
    return fut;
  }

  /**
   * _track for reads: a broken pipe, at the start or at the end, reads as
   * EOF (port of IocpProactor.recv), the value the finisher makes of 0 bytes.
   */
  private _trackRead<T>(
    what: string,
    id: number,
    finish: Finisher,
    conn: Connection,
    buf: Uint8Array | null,
  ): OverlappedFuture<T> {
    const fut = new OverlappedFuture<T>(this, what, this._futureOpts);
    fut._emptyOnBrokenPipe = true;
    this._begin(fut, id, finish, conn, buf);
    return fut;
  }

  /**
   * Settles `op` for an operation the native core refused (a negated error;
   * a read's broken pipe is EOF) or finished during the call, or tracks it
   * until its completion.
   */
  private _begin(
    op: TrackedOp,
    id: number,
    finish: Finisher,
    conn: Connection | null,
    buf: Uint8Array | null,
  ): void {
    // Port of IocpProactor._register: an operation that did not go pending
    // (a send the OS took whole, a read answered from what io_uring had
    // received for the socket) is resolved at once.
    const immediate = this._immediate;
    const done = id >= 0 && immediate[0] === id;
    if (done || (id < 0 && op._emptyOnBrokenPipe && (-id === ERROR_BROKEN_PIPE || -id === EPIPE))) {
      op._buf = buf;
      const value = finish(op, done ? immediate[1] : 0, -1, 0);
      op._buf = null;
      op.setResult(value);
      return;
    }
    if (id < 0) {
      op.setException(operationError(op._what, id));
      return;
    }
    // Pending: tracked by its slot, and listed on its connection.
    op._id = id;
    op._finish = finish;
    op._buf = buf;
    op._lent = immediate[2] === 1;
    this._slots[id & SLOT_MASK] = op;
    this._pending++;
    if (conn !== null) {
      op._conn = conn;
      const head = conn._opHead;
      if (head) {
        op._nextOnConn = head;
        head._prevOnConn = op;
      }
      conn._opHead = op;
    }
  }

  /**
   * @internal The transports' read, with no future (see TransportRead):
   * starts `read` again as a read into `buf` of the protocol's (`chunk`
   * false, as recvInto) or of the transport's own (`chunk` true, as
   * `chunk` true: a read of HAND_OUT_AT bytes or more comes as a Buffer of
   * its own, the memory the OS wrote, handed over instead of copied). Its outcome,
   * whatever it is (a refused start included), reaches the transport
   * through the read's done callback, as a future's would.
   * @throws TypeError at once for a bad buffer, RuntimeError once closed.
   */
  _readFor(conn: Connection, buf: Uint8Array, chunk: boolean, read: TransportRead): void {
    checkBytes(buf);
    const handle = this._prepare(conn, 0);
    const id = this._startRead(conn, handle, buf, 0, chunk ? HAND_OUT_AT : 0);
    read._restart();
    this._begin(read, id, chunk ? finishChunk : finishCount, conn, buf);
  }


  /** Forgets a completed operation: its slot and its place on its connection. */
  private _untrack(fut: TrackedOp, id: number): void {
    this._slots[id & SLOT_MASK] = undefined;
    this._pending--;
    fut._id = -1;
    const conn = fut._conn;
    if (conn !== null) {
      const prev = fut._prevOnConn;
      const next = fut._nextOnConn;
      if (prev !== null) prev._nextOnConn = next;
      else conn._opHead = next;
      if (next !== null) next._prevOnConn = prev;
      fut._prevOnConn = fut._nextOnConn = null;
    }
  }

  // Port of IocpProactor._poll's completion handling, once per batch.
  // Nothing a completion does may throw out of the batch, or the rest of it
  // would be lost: a future that cannot take its outcome (its loop closed
  // meanwhile, so scheduling its callbacks throws) is reported instead.
  private _onCompletions(count: number): void {
    // The loop (asyncio's _run_once: poll, then the ready callbacks) runs
    // the callbacks these completions schedule right after the batch, not
    // on a later Node phase; meanwhile it arms no wake-up for them.
    const loop = this._loop;
    loop?._eventsBegin();
    try {
      const records = this._core.completions;
      const slots = this._slots;
      for (let i = 0, base = 0; i < count; i++, base += COMPLETION_WORDS) {
        const id = records[base];
        const fut = slots[id & SLOT_MASK];
        if (fut === undefined || fut._id !== id) continue;
        this._untrack(fut, id);
        try {
          this._complete(fut, records[base + 1], i, records[base + 3]);
        } catch (err) {
          reportFutureError(fut, `Delivering the completion of ${fut._what} failed`, err);
        }
        fut._buf = null;
        const released = fut._onReleased;
        if (released !== null) {
          fut._onReleased = null;
          try {
            released();
          } catch (err) {
            reportFutureError(fut, `Releasing the buffer of ${fut._what} failed`, err);
          }
        }
      }
      if (this._pending === 0 && this._drained !== null) this._drained();
    } finally {
      loop?._iterateNow();
    }
  }

  /** Settles the future of completion record `index`; throws only if the future cannot take it. */
  private _complete(
    fut: TrackedOp,
    result: number,
    index: number,
    addrLen: number,
  ): void {
    // A cancelled future absorbs its operation's late completion; a
    // socket accepted anyway is closed, as nobody will receive it.
    if (fut.done()) {
      if (result >= 0 && fut._resultIsHandle) native.closeSocket(result);
      return;
    }
    let value: unknown;
    let error: Error | null = null;
    try {
      if (result >= 0) {
        value = (fut._finish as Finisher)(fut, result, index, addrLen);
        if (value === RESTARTED) return;
      } else if (fut._emptyOnBrokenPipe && (-result === ERROR_BROKEN_PIPE || -result === EPIPE)) {
        value = (fut._finish as Finisher)(fut, 0, index, 0);
      } else {
        error = operationError(fut._what, result, fut._aborted);
      }
    } catch (err) {
      // The finisher failed: that is the operation's outcome.
      error = err as Error;
    }
    if (error !== null) fut.setException(error);
    else fut.setResult(value);
  }

  /**
   * @internal A read started with a buffer (recvInto, _readFor) that is
   * still pending stops writing into that buffer: what it brings is dropped
   * (the future still settles with the count). The transports call it
   * before they cancel a read into a BufferedProtocol's buffer on close, so
   * a read that wins its cancel race never fills a buffer the protocol may
   * have reused. Returns whether there was such a buffer to let go of.
   */
  _dropReadBuffer(fut: TrackedOp): boolean {
    const id = fut._id;
    if (id < 0 || fut._canceller !== this) return false;
    return this._core.dropBuffer(id);
  }

  /**
   * OperationCanceller: asks the OS to cancel a pending operation; the error
   * of a refused cancel. When the core says the operation is no longer
   * pending (false: it finished, or a send was cut after progress, and its
   * completion brings that outcome), its future is marked so that it waits
   * for the outcome instead of being cancelled.
   */
  _cancelOperation(id: number): OSError | null {
    const r = this._core.cancel(id);
    if (r === false) {
      const fut = this._slots[id & SLOT_MASK];
      if (fut !== undefined && fut._id === id) fut._hasOutcome = true;
      return null;
    }
    return typeof r === 'number' && r < 0
      ? systemError(r, process.platform === 'win32' ? 'CancelIoEx' : 'cancel')
      : null;
  }

  /** SocketOwner: cancels what is pending on a socket that is closing. */
  _socketClosing(sock: Socket): void {
    this._connectionClosing(sock);
  }

  /** Cancels this proactor's operations pending on a connection that is closing, and forgets its handle. */
  _connectionClosing(conn: Connection): void {
    const ids: number[] = [];
    for (let fut = conn._opHead ?? null; fut !== null; fut = fut._nextOnConn) {
      if (fut._canceller !== this || fut._id < 0) continue;
      fut._aborted = true;
      ids.push(fut._id);
    }
    // A refused cancel is not reported here: closing the handle, which
    // comes next, aborts the operation anyway.
    for (const id of ids) this._core.cancel(id);
    if (!this._core.closed) this._core.detach(conn.fileno());
  }

  // Port of IocpProactor.recv.
  /**
   * Receives up to `nbytes` bytes from a socket or pipe.
   * OS: `WSARecv` / `ReadFile` (IOCP), `IORING_OP_RECV` / `READ` (io_uring),
   * `recv` / `read` when ready (epoll).
   * @returns a future of the bytes received: an empty Buffer once the peer
   *   closed (a broken pipe also reads as end of file). From 4096 `nbytes`
   *   on, the Buffer holds exactly the bytes received (its memory is the
   *   one the OS wrote, from 16 KiB on: no copy), never a view of a larger
   *   allocation. It rejects with an
   *   OSError subclass (ConnectionResetError, ...) when the OS fails the
   *   read, and cancelling it cancels the OS operation.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  recv(conn: Connection, nbytes: number, flags = 0): OverlappedFuture<Buffer> {
    checkSize(nbytes, 'nbytes');
    const handle = this._prepare(conn, flags);
    if (nbytes >= NEW_BUFFER_FROM) {
      // The core makes a Buffer of exactly the bytes received (the memory
      // the OS wrote, from HAND_OUT_AT on): no nbytes-sized allocation kept
      // alive by a short result, and no copy for a large one.
      const id = this._startRead(conn, handle, nbytes, flags, HAND_OUT_AT);
      return this._trackRead('recv', id, finishNewBuffer, conn, null);
    }
    const buf = Buffer.allocUnsafe(nbytes);
    const id = this._startRead(conn, handle, buf, flags);
    return this._trackRead('recv', id, finishRecv, conn, buf);
  }

  // Port of IocpProactor.recv_into.
  /**
   * Receives into `buf` (up to its length), as recv() does.
   * @returns a future of the number of bytes written into `buf` (0 once the
   *   peer closed); rejects and cancels as recv().
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  recvInto(conn: Connection, buf: Uint8Array, flags = 0): OverlappedFuture<number> {
    checkBytes(buf);
    const handle = this._prepare(conn, flags);
    const id = this._startRead(conn, handle, buf, flags);
    return this._trackRead('recv_into', id, finishCount, conn, buf);
  }

  /**
   * Starts a read into `buf` (or into a new Buffer of up to that many
   * bytes): recv on a socket, ReadFile/read at the current position on a
   * pipe. Returns the op's id or a negated error.
   */
  private _startRead(
    conn: Connection,
    handle: number,
    buf: Uint8Array | number,
    flags: number,
    handOutAt = 0,
  ): number {
    return conn instanceof Socket
      ? this._core.recv(handle, buf, flags, handOutAt)
      : this._core.read(handle, buf, -1, handOutAt);
  }

  /** The checks every operation on a connection starts with; returns its handle. */
  private _prepare(conn: Connection, flags: number): number {
    this._checkClosed();
    checkConnection(conn);
    checkFlags(flags);
    return this._register(conn);
  }

  // Port of IocpProactor.recvfrom.
  /**
   * Receives one datagram of up to `nbytes` bytes.
   * OS: `WSARecvFrom` (IOCP), `IORING_OP_RECVMSG` (io_uring), `recvfrom` (epoll).
   * @returns a future of `[data, address]` (the sender's address; null when
   *   the socket has none, as a connected Unix socket); from 4096 `nbytes`
   *   on, `data` holds exactly the datagram (see recv). It rejects with an
   *   OSError subclass when the OS fails.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  recvfrom(conn: Socket, nbytes: number, flags = 0): OverlappedFuture<[Buffer, SockAddr | null]> {
    this._checkClosed();
    checkConnection(conn);
    checkSize(nbytes, 'nbytes');
    checkFlags(flags);
    const handle = this._register(conn);
    if (nbytes >= NEW_BUFFER_FROM) {
      // As recv: a Buffer of exactly the datagram (a 100-byte datagram no
      // longer keeps an nbytes allocation alive).
      const id = this._core.recvFrom(handle, nbytes, flags, HAND_OUT_AT);
      return this._trackRead<[Buffer, SockAddr | null]>('recvfrom', id, finishRecvfromNew, conn, null);
    }
    const buf = Buffer.allocUnsafe(nbytes);
    const id = this._core.recvFrom(handle, buf, flags);
    return this._trackRead<[Buffer, SockAddr | null]>('recvfrom', id, finishRecvfrom, conn, buf);
  }

  // Port of IocpProactor.recvfrom_into.
  /**
   * Receives one datagram into `buf` (at most `nbytes`, default its length).
   * @returns a future of `[bytes written, address]`, as recvfrom().
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  recvfromInto(
    conn: Socket,
    buf: Uint8Array,
    nbytes?: number,
    flags = 0,
  ): OverlappedFuture<[number, SockAddr | null]> {
    this._checkClosed();
    checkConnection(conn);
    checkBytes(buf);
    const n = nbytes === undefined || nbytes === 0 ? buf.length : checkCount(nbytes, 'nbytes');
    if (n > buf.length)
      throw new RangeError(`nbytes (${n}) is larger than buf (${buf.length} bytes)`);
    checkFlags(flags);
    const handle = this._register(conn);
    const view = n === buf.length ? buf : buf.subarray(0, n);
    const id = this._core.recvFrom(handle, view, flags);
    return this._trackRead<[number, SockAddr | null]>(
      'recvfrom_into',
      id,
      finishRecvfromInto,
      conn,
      view,
    );
  }

  /** @internal The peer address of completion record `index`. */
  _address(index: number, addrLen: number): SockAddr | null {
    return addrLen > 0
      ? decodeAddress(this._core.addresses, index * native.constants.ADDRESS_SIZE, addrLen)
      : null;
  }

  // Port of IocpProactor.send. A list of views is one gathered send (the
  // views go out in order, as one operation: WSASend/sendmsg-style gathering
  // without a join in JavaScript; the core copies each view into the op's
  // own memory, the copy every send makes anyway).
  /**
   * Sends `buf` (or a list of views, sent in order as one operation).
   * On a stream (TCP, pipe) the send completes whole or fails, on every
   * backend, as an overlapped send does on Windows; sends on one connection
   * go out in the order they were made. The bytes are copied at the call, so
   * `buf` may be reused at once.
   * OS: `WSASend` / `WriteFile` (IOCP), `IORING_OP_SEND` / `WRITE` (io_uring),
   * `send` / `write` when ready (epoll).
   * @returns a future of the number of bytes sent (all of them on a
   *   stream); rejects with an OSError subclass (BrokenPipeError,
   *   ConnectionResetError, ...) when the OS fails the send.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  send(
    conn: Connection,
    buf: Uint8Array | readonly Uint8Array[],
    flags = 0,
  ): OverlappedFuture<number> {
    return this._track('send', this._startSend(conn, buf, flags), finishCount, conn);
  }

  /**
   * @internal The transports' send (their hot path): as send(), but a send
   * the OS took whole at once returns its byte count and makes no future.
   */
  _sendNow(conn: Connection, buf: Uint8Array | readonly Uint8Array[]): number | OverlappedFuture<number> {
    const id = this._startSend(conn, buf, 0);
    if (id >= 0 && this._immediate[0] === id) return this._immediate[1];
    return this._track('send', id, finishCount, conn);
  }

  /** Checks the arguments of a send and starts it: its id, or a negated error. */
  private _startSend(conn: Connection, buf: Uint8Array | readonly Uint8Array[], flags: number): number {
    if (Array.isArray(buf)) checkBytesList(buf);
    else checkBytes(buf);
    const handle = this._prepare(conn, flags);
    return conn instanceof Socket ? this._core.send(handle, buf, flags) : this._core.write(handle, buf, -1);
  }

  // Port of IocpProactor.sendto.
  /**
   * Sends one datagram, to `addr` (or to the connected peer without it).
   * OS: `WSASendTo` (IOCP), `IORING_OP_SENDMSG` (io_uring), `sendto` (epoll).
   * @returns a future of the number of bytes sent; rejects with an OSError
   *   subclass when the OS fails.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  sendto(conn: Socket, buf: Uint8Array, flags = 0, addr?: SockAddr): OverlappedFuture<number> {
    this._checkClosed();
    checkConnection(conn);
    checkBytes(buf);
    checkFlags(flags);
    const address = addr === undefined ? null : encodeAddress(conn.family, addr, 'addr');
    const handle = this._register(conn);
    const id =
      address === null
        ? this._core.send(handle, buf, flags)
        : this._core.sendTo(handle, buf, flags, address);
    return this._track('sendto', id, finishCount, conn);
  }

  // Port of IocpProactor.accept: resolves to the new socket and the peer.
  /**
   * Accepts one connection on a listening socket.
   * OS: `AcceptEx` + `SO_UPDATE_ACCEPT_CONTEXT` (IOCP), `IORING_OP_ACCEPT`
   * (io_uring), `accept4` when ready (epoll).
   * @returns a future of `[socket, peer address]`; the new socket belongs to
   *   the caller (close it). Rejects with an OSError subclass when the OS fails.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  accept(listener: Socket): OverlappedFuture<[Socket, SockAddr]> {
    this._checkClosed();
    checkConnection(listener, 'listener');
    const handle = this._register(listener);
    const id = this._core.accept(handle, familyNumber(listener.family));
    const fut = this._track<[Socket, SockAddr]>('accept', id, finishAccept, listener);
    fut._resultIsHandle = true;
    return fut;
  }

  // Port of IocpProactor.connect. A bad address is a TypeError at once
  // (gh-98793), before anything is submitted.
  /**
   * Connects a stream socket to `addr`.
   * OS: `ConnectEx` (the socket bound first) + `SO_UPDATE_CONNECT_CONTEXT`
   * (IOCP), `IORING_OP_CONNECT` (io_uring), `connect` + writability +
   * `SO_ERROR` (epoll).
   * @returns a future of `conn` once connected; rejects with
   *   ConnectionRefusedError, or another OSError subclass.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  connect(conn: Socket, addr: SockAddr): OverlappedFuture<Socket> {
    this._checkClosed();
    checkConnection(conn);
    const address = encodeAddress(conn.family, addr, 'addr');
    const handle = this._register(conn);
    const id = this._core.connect(handle, address, familyNumber(conn.family));
    return this._track('connect', id, finishConnect, conn);
  }

  // Port of IocpProactor.sendfile: fd is a Node file descriptor.
  /**
   * Sends `count` bytes of the file `fd` (a Node file descriptor) from
   * `offset` over a connected stream socket.
   * OS: `TransmitFile` (IOCP), linked `READ` + `SEND` through a 256 KiB
   * buffer (io_uring), a `sendfile` loop (epoll).
   * @returns a future of the number of bytes sent; rejects with an OSError
   *   subclass when the OS fails.
   * @throws TypeError or RangeError at once for a bad argument (naming it);
   *   RuntimeError once the proactor is closed.
   */
  sendfile(sock: Socket, fd: number, offset: number, count: number): OverlappedFuture<number> {
    this._checkClosed();
    checkConnection(sock, 'sock');
    checkCount(fd, 'fd');
    checkCount(offset, 'offset');
    checkCount(count, 'count');
    const handle = this._register(sock);
    const file = native.fdToHandle(fd);
    if (file < 0) throw systemError(file, 'sendfile');
    const id = this._core.sendFile(handle, file, offset, count);
    return this._track('sendfile', id, finishCount, sock);
  }

  /**
   * Port of IocpProactor.wait_for_handle: resolves true when the handle is
   * signalled, false when timeoutMs passes first. The signal is not consumed,
   * except that a satisfied wait on an auto-reset Event resets it and
   * releases only one waiter, on every OS (Windows does it; on Linux the
   * waiter that reads the eventfd first wins and the others wait on).
   */
  waitForHandle(
    handle: number | { handle: number },
    timeoutMs?: number | null,
  ): OverlappedFuture<boolean> {
    this._checkClosed();
    let h: number;
    if (typeof handle === 'number') h = handle;
    else if (handle !== null && typeof handle === 'object' && typeof handle.handle === 'number')
      h = handle.handle;
    else
      throw new TypeError(
        'handle must be a handle number or an object with a handle property (such as Event)',
      );
    checkCount(h, 'handle');
    let ms = -1;
    if (timeoutMs !== undefined && timeoutMs !== null) {
      if (typeof timeoutMs !== 'number') throw new TypeError('timeoutMs must be a number');
      if (Number.isNaN(timeoutMs) || timeoutMs < 0)
        throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
      ms = Number.isFinite(timeoutMs) ? Math.min(Math.ceil(timeoutMs), 0x7ffffffe) : -1;
    }
    if (process.platform !== 'win32' && handle instanceof Event && !handle.manualReset) {
      const fut = this._track<boolean>(
        'wait_for_handle',
        this._core.waitHandle(h, ms),
        finishWaitAutoReset,
        null,
      );
      fut._autoReset = { handle: h, deadline: ms < 0 ? -1 : performance.now() + ms };
      return fut;
    }
    return this._track('wait_for_handle', this._core.waitHandle(h, ms), finishWait, null);
  }

  /** @internal Waits again on an auto-reset event another waiter took first; false once out of time. */
  _restartWait(
    fut: OverlappedFuture<boolean>,
    wait: { handle: number; deadline: number },
  ): boolean | typeof RESTARTED {
    let ms = -1;
    if (wait.deadline >= 0) {
      ms = Math.ceil(wait.deadline - performance.now());
      if (ms <= 0) return false;
    }
    const id = this._core.waitHandle(wait.handle, ms);
    if (id < 0) throw systemError(id, fut._what);
    fut._id = id;
    this._slots[id & SLOT_MASK] = fut;
    this._pending++;
    return RESTARTED;
  }

  /**
   * Port of IocpProactor.close: cancels every pending operation, waits until
   * each one's completion has come back (logging every second it waits),
   * then releases the backend. Idempotent.
   */
  close(): Promise<void> {
    if (this._closing !== null) return this._closing;
    this._closed = true;
    for (const hook of [...this._closeHooks]) hook();
    this._closeHooks.clear();
    for (const fut of this._slots) {
      if (fut === undefined || fut.done()) continue;
      try {
        fut.cancel();
      } catch (err) {
        // Its loop is closed (scheduling its callbacks throws): the others
        // must still be cancelled.
        reportFutureError(fut, `Cancelling ${fut._what} at close failed`, err);
      }
    }
    const drained =
      this._pending === 0
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

  /** `await using proactor = new IocpProactor()`: close() at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Port of IocpProactor.accept_pipe (the logic is in pipe-ops.ts).
  /**
   * Waits for a client on a pipe server instance (see PipeServer, which
   * keeps one always listening).
   * OS: `ConnectNamedPipe` (Windows: the instance becomes the connection);
   * on Linux an accept on the listening Unix socket.
   * @returns a future of the connected PipeHandle; rejects with an OSError
   *   subclass when the OS fails.
   * @throws TypeError at once for a bad argument; RuntimeError once closed.
   */
  acceptPipe(pipe: PipeHandle): Future<PipeHandle> {
    return acceptPipeOp(this._pipeOpsHost(), pipe);
  }

  // Port of IocpProactor.connect_pipe (the logic is in pipe-ops.ts).
  /**
   * Connects to the pipe server `address` (`\\.\pipe\NAME`, or on Linux an
   * absolute socket path). While every instance is busy it retries after
   * 2, 4, ... up to 100 ms (CPython's schedule); cancelling the future stops
   * the retries.
   * OS: `CreateFileW` (Windows, ERROR_PIPE_BUSY retried); a non-blocking
   * `connect` to the Unix socket (Linux, EAGAIN retried).
   * @returns a future of the client's PipeHandle; rejects with
   *   FileNotFoundError when no server has the name, PermissionError when
   *   access is denied.
   * @throws TypeError or RangeError at once for a bad address; RuntimeError once closed.
   */
  connectPipe(address: string): Future<PipeHandle> {
    return connectPipeOp(this._pipeOpsHost(), address);
  }

  /** The internal entry points the pipe operations use (pipe-ops.ts). */
  private _pipeOpsHost(): PipeOpsHost {
    return {
      futureOptions: this._futureOpts,
      canceller: this,
      checkClosed: () => this._checkClosed(),
      onClose: (fn) => {
        this._closeHooks.add(fn);
        return () => void this._closeHooks.delete(fn);
      },
      submit: <T>(
        what: string,
        conn: Connection,
        start: (core: NativeCore, handle: number) => number,
        finish: Finisher,
      ) => {
        const handle = this._register(conn);
        return this._track<T>(what, start(this._core, handle), finish, conn);
      },
    };
  }
}
