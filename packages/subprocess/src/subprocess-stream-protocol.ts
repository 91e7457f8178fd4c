// Port of asyncio/subprocess.py SubprocessStreamProtocol: like
// StreamReaderProtocol, for a subprocess: a StreamReader for stdout and
// stderr, a StreamWriter for stdin, and the transport closed once every
// reader pipe is closed and the child exited.
//
// Difference from asyncio: once the stdin pipe is gone (the child closed
// it or exited), drain() throws BrokenPipeError, the error a write to a
// closed pipe gets, on every OS (asyncio raises ConnectionResetError
// 'Connection lost' on Unix and BrokenPipeError on Windows, bpo-34340).
import { BrokenPipeError, Future } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import { FlowControlMixin, StreamReader, StreamWriter } from '@iocp/proactor';
import type { BaseTransport, ReadTransport, SubprocessProtocol, Transport } from '@iocp/proactor';

import type { SubprocessTransport } from './subprocess-transport';

export class SubprocessStreamProtocol extends FlowControlMixin implements SubprocessProtocol {
  stdin: StreamWriter | null = null;
  stdout: StreamReader | null = null;
  stderr: StreamReader | null = null;
  /** @internal */ readonly _limit: number | undefined;
  /** @internal */ _transport: SubprocessTransport | null = null;
  /** @internal */ _processExited = false;
  /** @internal The reader pipes not closed yet. */
  _pipeFds: number[] = [];
  /** @internal Done once the stdin pipe is closed (stdin.waitClosed()). */
  readonly _stdinClosed: Future<void>;
  /** @internal Why the stdin pipe closed, if it failed. */
  _stdinError: Error | null = null;

  constructor(limit: number | undefined, loop: BaseEventLoop) {
    super(loop);
    this._limit = limit;
    this._stdinClosed = new Future<void>({ loop });
  }

  override toString(): string {
    const info = ['SubprocessStreamProtocol'];
    if (this.stdin !== null) info.push(`stdin=${String(this.stdin)}`);
    if (this.stdout !== null) info.push(`stdout=${String(this.stdout)}`);
    if (this.stderr !== null) info.push(`stderr=${String(this.stderr)}`);
    return `<${info.join(' ')}>`;
  }

  connectionMade(transport: BaseTransport): void {
    const t = transport as SubprocessTransport;
    this._transport = t;
    const stdoutTransport = t.getPipeTransport(1);
    if (stdoutTransport !== null) {
      this.stdout = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stdout.setTransport(stdoutTransport as ReadTransport);
      this._pipeFds.push(1);
    }
    const stderrTransport = t.getPipeTransport(2);
    if (stderrTransport !== null) {
      this.stderr = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stderr.setTransport(stderrTransport as ReadTransport);
      this._pipeFds.push(2);
    }
    const stdinTransport = t.getPipeTransport(0);
    if (stdinTransport !== null) {
      this.stdin = new StreamWriter(stdinTransport as Transport, this, null, this._loop);
    }
  }

  pipeDataReceived(fd: number, data: Buffer): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  pipeConnectionLost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this._stdinError = exc;
      this.connectionLost(exc);
      if (exc === null) this._stdinClosed.setResult(undefined);
      else {
        this._stdinClosed.setException(exc);
        // Awaiting waitClosed() is not mandatory: no report if nobody does.
        this._stdinClosed._logTraceback = false;
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const i = this._pipeFds.indexOf(fd);
    if (i >= 0) this._pipeFds.splice(i, 1);
    this._maybeCloseTransport();
  }

  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  /** @internal */
  _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited && this._transport !== null) {
      this._transport.close();
      this._transport = null;
    }
  }

  /**
   * @internal Waits while stdin's transport is paused. Once the stdin pipe
   * is gone (before the wait or during it) it throws BrokenPipeError (see
   * the file comment).
   */
  override async _drainHelper(): Promise<void> {
    if (!this._connectionLost) {
      try {
        await super._drainHelper();
      } catch (exc) {
        if (!this._connectionLost) throw exc;
      }
      if (!this._connectionLost) return;
    }
    const why = this._stdinError;
    if (why instanceof BrokenPipeError) throw why;
    throw new BrokenPipeError(
      'the pipe to the child process stdin is closed',
      undefined,
      why === null ? {} : { cause: why },
    );
  }

  /** @internal */
  override _getCloseWaiter(stream: StreamWriter): Future<void> {
    if (stream === this.stdin) return this._stdinClosed;
    return super._getCloseWaiter(stream);
  }
}
