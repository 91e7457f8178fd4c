// The named-pipe operations of IocpProactor: ports of windows_events.py
// IocpProactor.accept_pipe and connect_pipe. IocpProactor delegates to these
// through PipeOpsHost, the few internal entry points they need.
//
// Windows: acceptPipe is ConnectNamedPipe on a server instance and resolves
// to that same PipeHandle (a client that came first, ERROR_PIPE_CONNECTED,
// is success: the native core posts it). connectPipe opens the client end
// with CreateFileW, which never waits: on ERROR_PIPE_BUSY (every instance
// taken) it sleeps 2, 4, 8, ... ms, capped at 100 ms, and tries again.
//
// Linux: a server instance is a listening Unix socket (pipe-instance.ts);
// acceptPipe accepts on it and resolves to a new PipeHandle for the
// connection, leaving the instance listening (pipe-accept.ts). connectPipe
// connects a Unix socket; that never waits either (done, refused, or EAGAIN
// when the backlog is full, which is retried like ERROR_PIPE_BUSY), so it is
// the same loop as on Windows rather than an asynchronous connect: there is
// nothing to wait for, and a busy pipe is retried on the same schedule on
// every backend. A socket file nobody listens on is FileNotFoundError, as a
// missing pipe is on Windows.
//
// Differences from CPython: connect_pipe is a coroutine that only sees the
// proactor's close through its task; here closing the proactor cancels a
// connectPipe that is still retrying.
import { Future, sleep } from '@iocp/futures';
import type { FutureOptions } from '@iocp/futures';
import { native } from '@iocp/native';
import type { NativeCore } from '@iocp/native';

import type { Connection } from './iocp-proactor';
import type { Finisher, OperationCanceller, OverlappedFuture } from './overlapped-future';
import { acceptConnection } from './pipe-accept';
import { pipeError, pipePath } from './pipe-address';
import { PipeHandle } from './pipe-handle';

const isWindows = process.platform === 'win32';

// Port of CONNECT_PIPE_INIT_DELAY and CONNECT_PIPE_MAX_DELAY, in ms.
const CONNECT_PIPE_INIT_DELAY = 1;
const CONNECT_PIPE_MAX_DELAY = 100;
/** ERROR_PIPE_BUSY (231) on Windows; EAGAIN (a full backlog) on Linux. */
const PIPE_BUSY = isWindows ? 231 : 11;

/** What the pipe operations need from their IocpProactor (its internal entry points). */
export interface PipeOpsHost {
  /** The options the proactor's futures are made with (their loop). */
  readonly futureOptions: FutureOptions | undefined;
  /** Cancels a native operation by id (the proactor's _cancelOperation). */
  readonly canceller: OperationCanceller;
  /** Throws RuntimeError('IocpProactor is closed') after close. */
  checkClosed(): void;
  /** Calls `fn` when the proactor closes (unless removed first); returns the remover. */
  onClose(fn: () => void): () => void;
  /**
   * Registers conn with the proactor, starts an operation on its handle
   * (`start` returns the native id or a negated error) and tracks it on
   * conn, so that closing conn cancels it; `finish` makes the value.
   */
  submit<T>(what: string, conn: Connection, start: (core: NativeCore, handle: number) => number, finish: Finisher): OverlappedFuture<T>;
}

// Windows: the instance itself is now connected to a client.
const finishAcceptPipe: Finisher = (fut) => fut._conn;

/**
 * Port of IocpProactor.accept_pipe: waits for a client on a server
 * instance. Resolves to the instance itself on Windows, to a new PipeHandle
 * for the connection on Linux (see pipe-accept.ts). Cancelling it cancels
 * the OS operation; a client that connected anyway is not lost: the next
 * acceptPipe on the instance gets it.
 */
export function acceptPipe(host: PipeOpsHost, pipe: PipeHandle): Future<PipeHandle> {
  host.checkClosed();
  if (!(pipe instanceof PipeHandle)) throw new TypeError('pipe must be a PipeHandle');
  if (!isWindows) return acceptConnection(host, pipe);
  return host.submit<PipeHandle>('accept_pipe', pipe, (core, h) => core.acceptPipe(h), finishAcceptPipe);
}

/**
 * Port of IocpProactor.connect_pipe: opens the client end of a named pipe,
 * retrying while the pipe is busy (sleeps of 2, 4, 8, ... ms, at most 100).
 * Rejects with FileNotFoundError when no server has the name. Cancelling
 * the returned future stops the retries; a proactor closed meanwhile
 * cancels it. A bad address throws TypeError/RangeError at once.
 */
export function connectPipe(host: PipeOpsHost, address: string): Future<PipeHandle> {
  const name = pipePath(address);
  host.checkClosed();
  const fut = new Future<PipeHandle>(host.futureOptions);
  let delay = CONNECT_PIPE_INIT_DELAY;
  let sleeping: Future<void> | null = null;
  const attempt = (): void => {
    sleeping = null;
    if (fut.done()) return;
    try {
      host.checkClosed();
    } catch {
      fut.cancel();
      return;
    }
    const r = native.pipeOpen(name);
    if (r >= 0) {
      fut.setResult(new PipeHandle(r));
    } else if (-r === PIPE_BUSY) {
      delay = Math.min(delay * 2, CONNECT_PIPE_MAX_DELAY);
      sleeping = sleep(delay);
      sleeping.addDoneCallback(attempt);
    } else {
      fut.setException(pipeError(r, isWindows ? 'CreateFile' : 'connect', address, name));
    }
  };
  const removeCloseHook = host.onClose(() => fut.cancel());
  fut.addDoneCallback(() => {
    removeCloseHook();
    sleeping?.cancel();
  });
  attempt();
  return fut;
}
