// Port of asyncio/streams.py StreamWriter: a transport's write side, with
// drain() for flow control and waitClosed().
//
// Differences from asyncio: startTls() is out of scope (there is no TLS
// layer in @iocp): it throws. No ResourceWarning on an unclosed writer
// (there is no finalizer to hook); close your writers.
import { Future } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

import type { Transport } from '../transports/types';
import type { FlowControlMixin } from './stream-reader-protocol';
import { describe } from './reader-args';
import type { StreamReader } from './stream-reader';

/** What drain() returns when it has nothing to wait for. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The writing half of a stream connection (streams.py StreamWriter), from
 * openConnection, startServer, openPipeConnection or a subprocess's stdin.
 * write() queues bytes on the transport; await drain() to respect flow
 * control; close() then waitClosed() ends the connection.
 */
export class StreamWriter {
  /** @internal */ readonly _transport: Transport;
  /** @internal */ readonly _protocol: FlowControlMixin;
  /** @internal */ readonly _reader: StreamReader | null;
  /** @internal */ readonly _loop: BaseEventLoop | null;

  // Port of StreamWriter.__init__.
  constructor(transport: Transport, protocol: FlowControlMixin, reader: StreamReader | null, loop: BaseEventLoop | null) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  // Port of StreamWriter.__repr__.
  /** `<StreamWriter transport=... reader=...>`. */
  toString(): string {
    const info = ['StreamWriter', `transport=${describe(this._transport)}`];
    if (this._reader !== null) info.push(`reader=${String(this._reader)}`);
    return `<${info.join(' ')}>`;
  }

  /** The transport written to. */
  get transport(): Transport {
    return this._transport;
  }

  /** Queues `data` on the transport (see drain()). */
  write(data: Uint8Array): void {
    this._transport.write(data);
  }

  /** Queues each buffer of `data` in order (one gathered send when the transport is idle). */
  writelines(data: Iterable<Uint8Array>): void {
    this._transport.writelines(data);
  }

  /** Shuts down the write side once the buffered data is sent. */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether writeEof() is possible (true for TCP and duplex pipes). */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the transport once its buffered data is sent; see waitClosed(). */
  close(): void {
    this._transport.close();
  }

  /** True once close() was called or the connection is being lost. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Resolves once the connection is lost (rejects with its error, if any). */
  async waitClosed(): Promise<void> {
    await this._protocol._getCloseWaiter(this);
  }

  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return this._transport.getExtraInfo<T>(name, defaultValue);
  }

  // Port of StreamWriter.drain.
  /**
   * Waits while the transport's write buffer is over its high-water mark.
   * Throws the reader's error, the connection's error, or
   * ConnectionResetError('Connection lost') once the connection is gone.
   */
  drain(): Promise<void> {
    // Fast path (same outcome as the port below): nothing to wait for or report.
    const protocol = this._protocol;
    if (
      !protocol._paused &&
      !protocol._connectionLost &&
      (this._reader === null || this._reader._exception === null) &&
      !this._transport.isClosing()
    ) {
      return RESOLVED;
    }
    return this._drain();
  }

  private async _drain(): Promise<void> {
    if (this._reader !== null) {
      const exc = this._reader.exception();
      if (exc !== null) throw exc;
    }
    if (this._transport.isClosing()) {
      // Yield to the loop so connectionLost() may run: without this, code
      // doing write(); await drain() in a loop would never see the
      // connection's end and never stop.
      await this._yield();
    }
    await this._protocol._drainHelper();
  }

  /** asyncio's sleep(0) on this writer's loop: one iteration. */
  private _yield(): Future<void> {
    const future = new Future<void>({ loop: this._loop });
    const wake = (): void => {
      if (!future.done()) future.setResult(undefined);
    };
    if (this._loop !== null) this._loop.callSoon(wake);
    else setImmediate(wake);
    return future;
  }

  /** Out of scope: this project has no TLS layer, so this always throws. */
  startTls(..._args: unknown[]): never {
    throw new Error('StreamWriter.startTls() is not supported: @iocp has no TLS layer');
  }

  /** `await using writer = ...`: close(), then waitClosed() ignoring the connection's error. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    try {
      await this.waitClosed();
    } catch {
      // The connection's error was for the code using it; closing is done.
    }
  }
}
