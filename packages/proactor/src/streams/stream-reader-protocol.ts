// Port of asyncio/streams.py FlowControlMixin and StreamReaderProtocol: the
// Protocol between a transport and a StreamReader/StreamWriter pair.
//
// Differences from asyncio: the protocol holds its reader strongly
// (asyncio keeps a weak reference so that a forgotten reader can be
// collected and reported; JavaScript has no finalizer order to rely on).
// A clientConnected callback declared `async` runs as a Task of the loop
// (asyncio: a coroutine is wrapped in a Task); a plain function runs at
// once, and if it returns a promise, its failure is reported the same way.
import { ConnectionResetError, Future, RuntimeError, Task, getRunningLoopOrNull, isFuture, logger } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

import type { Protocol } from '../protocols';
import type { Transport } from '../transports/types';
import { StreamReader } from './stream-reader';
import { StreamWriter } from './stream-writer';

/** What startServer calls for each connection. */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => unknown;

function loopOf(loop: BaseEventLoop | null | undefined): BaseEventLoop | null {
  return loop === undefined ? getRunningLoopOrNull() : loop;
}

// Port of streams.py FlowControlMixin: pauseWriting/resumeWriting/
// connectionLost and the _drainHelper that StreamWriter.drain() waits on.
export class FlowControlMixin implements Protocol {
  /** @hidden For subclasses (asyncio's protected members). */ readonly _loop: BaseEventLoop | null;
  /** @hidden For subclasses. True while the transport's write buffer is over its high-water mark. */
  _paused = false;
  /** @hidden For subclasses (asyncio's protected members). */ readonly _drainWaiters: Array<Future<void>> = [];
  /** @hidden For subclasses (asyncio's protected members). */ _connectionLost = false;

  constructor(loop?: BaseEventLoop | null) {
    this._loop = loopOf(loop);
  }

  pauseWriting(): void {
    if (this._paused) throw new RuntimeError('pauseWriting() while paused');
    this._paused = true;
  }

  resumeWriting(): void {
    if (!this._paused) throw new RuntimeError('resumeWriting() while not paused');
    this._paused = false;
    for (const waiter of this._drainWaiters) {
      if (!waiter.done()) waiter.setResult(undefined);
    }
  }

  connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    // Wake up the writers if they wait (only a paused writer does).
    if (!this._paused) return;
    for (const waiter of this._drainWaiters) {
      if (waiter.done()) continue;
      if (exc === null) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
  }

  /** @hidden For subclasses. Waits until writing is resumed; throws once the connection is lost. */
  async _drainHelper(): Promise<void> {
    if (this._connectionLost) throw new ConnectionResetError('Connection lost');
    if (!this._paused) return;
    const waiter = new Future<void>({ loop: this._loop });
    this._drainWaiters.push(waiter);
    try {
      await waiter;
    } finally {
      void this._drainWaiters.splice(this._drainWaiters.indexOf(waiter), 1);
    }
  }

  /**
   * @hidden For subclasses. The future StreamWriter.waitClosed() waits on. Port of
   * streams.py FlowControlMixin._get_close_waiter, abstract in CPython too:
   * StreamReaderProtocol provides it.
   */
  _getCloseWaiter(_stream: StreamWriter): Future<void> {
    throw new TypeError('FlowControlMixin has no close waiter; use a subclass such as StreamReaderProtocol');
  }
}

export class StreamReaderProtocol extends FlowControlMixin {
  /** @internal */ _streamReader: StreamReader | null;
  /** @internal */ _streamWriter: StreamWriter | null = null;
  /** @internal The task running an async clientConnected. */
  _task: Task<unknown> | null = null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal */ readonly _clientConnectedCb: ClientConnectedCallback | null;
  /** @internal Done once the connection is lost (waitClosed). */
  readonly _closed: Future<void>;

  // Port of StreamReaderProtocol.__init__.
  constructor(streamReader: StreamReader | null, clientConnectedCb?: ClientConnectedCallback | null, loop?: BaseEventLoop | null) {
    super(loop === undefined ? (streamReader?.getLoop() ?? getRunningLoopOrNull()) : loop);
    if (clientConnectedCb != null && typeof clientConnectedCb !== 'function') {
      throw new TypeError('clientConnected must be a function');
    }
    this._streamReader = streamReader;
    this._clientConnectedCb = clientConnectedCb ?? null;
    this._closed = new Future<void>({ loop: this._loop });
  }

  // Port of StreamReaderProtocol.connection_made.
  connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._streamReader;
    if (reader !== null) reader.setTransport(transport);
    const callback = this._clientConnectedCb;
    if (callback === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._streamWriter = writer;
    if (isAsyncFunction(callback)) {
      // asyncio: res = cb(reader, writer); a coroutine becomes a Task.
      const run = (): Promise<unknown> => callback(reader!, writer) as Promise<unknown>;
      const task = this._loop !== null ? this._loop.createTask(run) : new Task(run, { loop: null });
      this._task = task;
      task.addDoneCallback(() => this._clientDone(task, transport));
      return;
    }
    const res = callback(reader!, writer);
    if (isThenable(res)) {
      void Promise.resolve(res).then(undefined, (error: unknown) => this._reportClientError(error, transport));
    }
  }

  // Port of the done callback of connection_made (3.12+): a cancelled
  // handler closes the transport; a failed one is reported, then closes it.
  private _clientDone(task: Task<unknown>, transport: Transport): void {
    if (task.cancelled()) {
      transport.close();
      return;
    }
    const exc = task.exception();
    if (exc !== null) this._reportClientError(exc, transport);
  }

  private _reportClientError(exc: unknown, transport: Transport): void {
    const loop = this._loop;
    const context = { message: 'Unhandled exception in client_connected_cb', exception: exc as Error, transport };
    if (loop !== null) loop.callExceptionHandler(context);
    else logger.error(`${context.message}: ${exc instanceof Error ? (exc.stack ?? exc.message) : String(exc)}`);
    transport.close();
  }

  // Port of StreamReaderProtocol.connection_lost.
  override connectionLost(exc: Error | null): void {
    const reader = this._streamReader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) {
        this._closed.setResult(undefined);
      } else {
        this._closed.setException(exc);
        // asyncio retrieves it in __del__: nobody has to wait for it.
        this._closed.exception();
      }
    }
    super.connectionLost(exc);
    this._streamReader = null;
    this._streamWriter = null;
    this._task = null;
    this._transport = null;
  }

  dataReceived(data: Buffer): void {
    const reader = this._streamReader;
    if (reader !== null) reader.feedData(data);
  }

  eofReceived(): boolean {
    const reader = this._streamReader;
    if (reader !== null) reader.feedEof();
    // Keep the transport open for writing: the writer closes it.
    return true;
  }

  override _getCloseWaiter(_stream: StreamWriter): Future<void> {
    return this._closed;
  }
}

function isAsyncFunction(fn: (...args: never[]) => unknown): boolean {
  return fn.constructor?.name === 'AsyncFunction';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (isFuture(value) || typeof (value as { then?: unknown }).then === 'function')
  );
}
