// acceptPipe on Linux, where a named-pipe server instance is a listening
// Unix socket that accepts one connection after another.
//
// On Windows a client that connects to an instance stays connected to it
// whatever happens to the ConnectNamedPipe that waited for it: when that
// wait is cancelled too late, the next acceptPipe on the instance gets the
// client at once (ERROR_PIPE_CONNECTED). An accept on Linux instead hands
// the connection to the operation that took it, and a cancel can come too
// late (io_uring: the cancel request is only submitted at the next loop
// turn, and a client that connects meanwhile is taken). Dropping that
// connection would lose a client, so acceptPipe works like this:
// - per instance and proactor, at most one accept operation is in flight,
//   and the acceptPipe futures waiting on it are served in order;
// - cancelling a waiter only takes it out of the line; the operation is
//   cancelled when nobody waits any more, and a connection it took anyway
//   is kept on the instance (`_unclaimed`) for the next acceptPipe;
// - closing the instance closes the connections nobody claimed.
import { Future } from '@iocp/futures';
import type { FutureOptions, OSError } from '@iocp/futures';
import { native } from '@iocp/native';

import type { Finisher, OperationCanceller, OverlappedFuture } from './overlapped-future';
import { PipeHandle } from './pipe-handle';
import type { PipeOpsHost } from './pipe-ops';
import { reportFutureError } from './report';

/** The acceptPipe calls of one proactor on one instance. */
interface AcceptLine {
  /** The accept operation in flight, if any. */
  op: OverlappedFuture<PipeHandle> | null;
  /** Who waits for a connection, first come first served. */
  waiters: Waiter[];
}

const lines = new WeakMap<OperationCanceller, WeakMap<PipeHandle, AcceptLine>>();

// An accepted connection; the instance goes on listening.
const finishAccept: Finisher = (_fut, fd) => new PipeHandle(fd);

/** An acceptPipe future: cancelling it leaves the line at once. */
class Waiter extends Future<PipeHandle> {
  constructor(opts: FutureOptions | undefined, private readonly _onCancel: (w: Waiter) => void) {
    super(opts);
  }

  override cancel(msg?: string): boolean {
    const cancelled = super.cancel(msg);
    if (cancelled) this._onCancel(this);
    return cancelled;
  }
}

function lineOf(host: PipeOpsHost, pipe: PipeHandle): AcceptLine {
  let byPipe = lines.get(host.canceller);
  if (byPipe === undefined) lines.set(host.canceller, (byPipe = new WeakMap()));
  let line = byPipe.get(pipe);
  if (line === undefined) byPipe.set(pipe, (line = { op: null, waiters: [] }));
  return line;
}

/** Resolves to the next connection on a listening instance (see above). */
export function acceptConnection(host: PipeOpsHost, pipe: PipeHandle): Future<PipeHandle> {
  const line = lineOf(host, pipe);
  const waiter = new Waiter(host.futureOptions, (w) => leave(host, line, w));
  const spare = pipe._unclaimed.shift();
  if (spare !== undefined) {
    waiter.setResult(spare);
    return waiter;
  }
  if (line.op === null) start(host, pipe, line);
  line.waiters.push(waiter);
  return waiter;
}

function leave(host: PipeOpsHost, line: AcceptLine, waiter: Waiter): void {
  const i = line.waiters.indexOf(waiter);
  if (i >= 0) void line.waiters.splice(i, 1);
  if (line.waiters.length === 0 && line.op !== null && line.op._id >= 0) {
    const error = host.canceller._cancelOperation(line.op._id);
    if (error !== null) reportFutureError(line.op, 'Cancelling an overlapped future failed', error);
  }
}

function start(host: PipeOpsHost, pipe: PipeHandle, line: AcceptLine): void {
  const op = host.submit<PipeHandle>('accept_pipe', pipe,
    (core, h) => core.accept(h, native.constants.AF_UNIX), finishAccept);
  op._resultIsHandle = true;
  line.op = op;
  op.addDoneCallback(() => finished(host, pipe, line, op));
}

function finished(host: PipeOpsHost, pipe: PipeHandle, line: AcceptLine, op: OverlappedFuture<PipeHandle>): void {
  line.op = null;
  if (op.cancelled()) {
    // The proactor was closed.
    for (const w of line.waiters.splice(0)) w.cancel();
    return;
  }
  const exc = op.exception() as OSError | null;
  if (exc === null) {
    const conn = op.result();
    const waiter = line.waiters.shift();
    if (waiter !== undefined) waiter.setResult(conn);
    else if (pipe.closed) conn.close();
    else pipe._unclaimed.push(conn);
  } else if (op._aborted || (exc.code !== 'ECANCELED' && exc.code !== 'EINTR')) {
    // A real failure, or the instance was closed under it (an OSError
    // 'ECANCELED', as CPython's accept_pipe raises the plain OSError).
    for (const w of line.waiters.splice(0)) w.setException(exc);
  }
  // Waiters that came after the operation was cancelled, or after it took
  // a connection for someone else, need an operation of their own.
  if (line.waiters.length > 0) {
    try {
      host.checkClosed();
      start(host, pipe, line);
    } catch (err) {
      for (const w of line.waiters.splice(0)) w.setException(err as Error);
    }
  }
}
