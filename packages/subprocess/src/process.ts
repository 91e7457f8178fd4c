// Port of asyncio/subprocess.py Process: a child with stream access to its
// pipes, made by createSubprocessExec / createSubprocessShell.
import { BrokenPipeError, ConnectionResetError, gather, logger } from '@iocp/futures';
import type { BaseProactorEventLoop, StreamReader, StreamWriter } from '@iocp/proactor';

import type { SubprocessStreamProtocol } from './subprocess-stream-protocol';
import type { BaseSubprocessTransport } from './subprocess-transport';

export class Process {
  /** @internal */ readonly _transport: BaseSubprocessTransport;
  /** @internal */ readonly _protocol: SubprocessStreamProtocol;
  /** @internal */ readonly _loop: BaseProactorEventLoop;
  /** The child's stdin (with stdin: 'pipe'), else null. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout (with stdout: 'pipe'), else null. */
  readonly stdout: StreamReader | null;
  /** The child's stderr (with stderr: 'pipe'), else null. */
  readonly stderr: StreamReader | null;
  /** The child's process id. */
  readonly pid: number;

  constructor(
    transport: BaseSubprocessTransport,
    protocol: SubprocessStreamProtocol,
    loop: BaseProactorEventLoop,
  ) {
    this._transport = transport;
    this._protocol = protocol;
    this._loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  toString(): string {
    return `<Process ${this.pid}>`;
  }

  /** The exit status (the code, or -signal on Linux), null while the child runs. */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /**
   * Waits until the child exits (and its pipes are closed); resolves to its
   * exit status. With stdout or stderr piped, read them (or use
   * communicate()): a child blocked writing to a full pipe never exits.
   */
  wait(): Promise<number> {
    return this._transport._wait();
  }

  /** Sends a signal: a number or a name ('SIGTERM'); see the README for Windows. */
  sendSignal(sig: number | string): void {
    this._transport.sendSignal(sig);
  }

  /** SIGTERM (Windows: TerminateProcess); with killTree, the whole tree. */
  terminate(): void {
    this._transport.terminate();
  }

  /** SIGKILL (Windows: TerminateProcess); with killTree, the whole tree. */
  kill(): void {
    this._transport.kill();
  }

  // Port of Process._feed_stdin: a child that does not read all of its
  // input (it exited, or closed stdin) is not an error for communicate().
  private async _feedStdin(input: Uint8Array | null): Promise<null> {
    const stdin = this.stdin as StreamWriter;
    const debug = this._loop.getDebug();
    try {
      if (input !== null) {
        stdin.write(input);
        if (debug)
          logger.debug(`${this.toString()} communicate: feed stdin (${input.length} bytes)`);
      }
      await stdin.drain();
    } catch (exc) {
      if (!(exc instanceof BrokenPipeError || exc instanceof ConnectionResetError)) throw exc;
      if (debug) logger.debug(`${this.toString()} communicate: stdin got ${String(exc)}`);
    }
    if (debug) logger.debug(`${this.toString()} communicate: close stdin`);
    stdin.close();
    return null;
  }

  // Port of Process._read_stream.
  private async _readStream(fd: 1 | 2): Promise<Buffer> {
    const transport = this._transport.getPipeTransport(fd);
    const stream = (fd === 2 ? this.stderr : this.stdout) as StreamReader;
    const name = fd === 1 ? 'stdout' : 'stderr';
    if (this._loop.getDebug()) logger.debug(`${this.toString()} communicate: read ${name}`);
    const output = await stream.read();
    if (this._loop.getDebug()) logger.debug(`${this.toString()} communicate: close ${name}`);
    transport?.close();
    return output;
  }

  // Port of Process.communicate: feeds stdin and reads stdout and stderr at
  // the same time (three tasks gathered), so a child that fills one pipe
  // while we write the other never deadlocks; then waits for the exit.
  /**
   * Sends `input` to stdin (then closes it), reads stdout and stderr to
   * their end, waits for the child to exit. Resolves to [stdout, stderr]
   * (null for a stream that is not piped). Cancelling it (a Task's cancel)
   * cancels the reads and the write.
   */
  async communicate(input?: Uint8Array | string | null): Promise<[Buffer | null, Buffer | null]> {
    let data: Uint8Array | null = null;
    if (input !== undefined && input !== null) {
      if (typeof input === 'string') data = Buffer.from(input);
      else if (input instanceof Uint8Array) data = input;
      else throw new TypeError('input must be a Uint8Array or a string');
      if (this.stdin === null && data.length > 0)
        throw new TypeError('input given, but stdin is not a pipe');
    }
    const loop = this._loop;
    const stdin = loop.createTask(() => (this.stdin !== null ? this._feedStdin(data) : null));
    const stdout = loop.createTask(() => (this.stdout !== null ? this._readStream(1) : null));
    const stderr = loop.createTask(() => (this.stderr !== null ? this._readStream(2) : null));
    const [, out, err] = await gather(stdin, stdout, stderr);
    await this.wait();
    return [out, err];
  }

  /** Kills a child still running, closes the pipes and waits for its end. */
  async [Symbol.asyncDispose](): Promise<void> {
    this._transport.close();
    await this.wait();
  }
}
