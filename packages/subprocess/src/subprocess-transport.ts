// Port of asyncio/base_subprocess.py BaseSubprocessTransport (Python 3.13),
// with the _start of windows_events.py _WindowsSubprocessTransport (the
// same on both OSes here): the child is a Popen (popen.ts), its exit is
// observed by waiting on its process handle (Windows) or pidfd (Linux)
// through the proactor, never by polling or SIGCHLD, and its pipes are the
// proactor's pipe transports.
//
// The order of the protocol's callbacks is CPython's: connectionMade once
// every pipe is connected (what came before is queued, then delivered in
// order), pipeDataReceived / pipeConnectionLost per pipe, processExited
// when the exit is observed, and connectionLost(null) last, once the child
// exited and every pipe is closed. wait() resolves after connectionLost.
//
// The transport holds the loop while it lives (the shared on-demand loop
// keeps running until connectionLost ran), like the other transports.
import { ProcessLookupError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import type {
  BaseProactorEventLoop,
  BaseTransport,
  PipeHandle,
  SubprocessProtocol,
} from '@iocp/proactor';

import type { CheckedOptions } from './options';
import { ReadSubprocessPipeProto, WriteSubprocessPipeProto, describePipe } from './pipe-protocols';
import type { PipeOwner } from './pipe-protocols';
import { Popen } from './popen';
import type { Command } from './popen';
import { signalNumber } from './signals';

/** asyncio.SubprocessTransport. */
export interface SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  getPid(): number;
  /** The exit status once the exit was observed (the code, or -signal on Linux), else null. */
  getReturncode(): number | null;
  /** The transport of pipe `fd` (0: a WriteTransport, 1 and 2: ReadTransports), or null. */
  getPipeTransport(fd: number): BaseTransport | null;
  /** Sends a signal (a number or a name such as 'SIGTERM'); see the README for Windows. */
  sendSignal(sig: number | string): void;
  /** SIGTERM (Windows: TerminateProcess). */
  terminate(): void;
  /** SIGKILL (Windows: TerminateProcess). */
  kill(): void;
}

type ProtocolMethod =
  'connectionMade' | 'pipeDataReceived' | 'pipeConnectionLost' | 'processExited' | 'connectionLost';

export class BaseSubprocessTransport implements SubprocessTransport, PipeOwner {
  /** @internal */ _closed = false;
  /** @internal */ _protocol: SubprocessProtocol;
  /** @internal */ readonly _loop: BaseProactorEventLoop;
  /** @internal The child; null once the transport finished. */
  _proc: Popen | null = null;
  /** @internal */ _pid: number | null = null;
  /** @internal */ _returncode: number | null = null;
  /** @internal Futures of _wait(), resolved after connectionLost. */
  _exitWaiters: Array<Future<number>> | null = [];
  /** @internal Protocol calls made before connectionMade, delivered after it. */
  _pendingCalls: Array<[ProtocolMethod, unknown[]]> | null = [];
  /** @internal The pipes by child fd: null until connected. */
  _pipes = new Map<number, WriteSubprocessPipeProto | null>();
  /** @internal */ _finished = false;
  /** @internal */ readonly _extra: Record<string, unknown>;
  /** @internal Whether the loop counts this transport (from a successful start to connectionLost). */
  private _holding = false;

  // Port of BaseSubprocessTransport.__init__.
  constructor(
    loop: BaseProactorEventLoop,
    protocol: SubprocessProtocol,
    command: Command,
    opts: CheckedOptions,
    waiter: Future<void> | null,
    extra?: Record<string, unknown> | null,
  ) {
    this._loop = loop;
    this._protocol = protocol;
    this._extra = extra ? { ...extra } : {};
    if (opts.stdin.kind === 'pipe') this._pipes.set(0, null);
    if (opts.stdout.kind === 'pipe') this._pipes.set(1, null);
    if (opts.stderr.kind === 'pipe') this._pipes.set(2, null);
    // Create the child process: set the _proc attribute.
    try {
      this._start(command, opts);
    } catch (exc) {
      this.close();
      throw exc;
    }
    const proc = this._proc as unknown as Popen;
    this._pid = proc.pid;
    this._extra.subprocess = proc;
    loop._resourceOpened();
    this._holding = true;
    if (loop.getDebug()) {
      const program = command.shell ? command.cmd : command.argv[0];
      logger.debug(`process ${JSON.stringify(program)} created: pid ${this._pid}`);
    }
    const task = loop.createTask(() => this._connectPipes(waiter));
    task.addDoneCallback((t) => {
      if (!t.cancelled()) return;
      for (const proto of this._pipes.values()) proto?.pipe?.close();
      // Our ends that no transport took yet.
      const ends: Array<PipeHandle | null> = [proc.stdin, proc.stdout, proc.stderr];
      ends.forEach((end, fd) => {
        if (end !== null && !this._pipes.get(fd)) end.close();
      });
      this._pipes = new Map();
      this._pendingCalls = null;
      waiter?.cancel();
    });
  }

  // Port of _WindowsSubprocessTransport._start: the child, then a wait on
  // its handle whose completion reads its exit status.
  /** @internal */
  _start(command: Command, opts: CheckedOptions): void {
    const proc = new Popen(command, opts);
    this._proc = proc;
    try {
      this._loop._proactor.waitForHandle(proc._handle).addDoneCallback(this._onExitWait);
    } catch (exc) {
      // The proactor is closed: the child cannot be watched, so it goes.
      try {
        proc.kill();
      } finally {
        for (const end of [proc.stdin, proc.stdout, proc.stderr]) end?.close();
        proc.release();
      }
      throw exc;
    }
  }

  /** @internal The wait on the process handle finished. */
  readonly _onExitWait = (f: Future<boolean>): void => {
    // Cancelled: the proactor closed (the loop is closing).
    if (f.cancelled()) return;
    const proc = this._proc;
    if (proc === null) return;
    let returncode: number | null;
    try {
      f.result();
      returncode = proc.poll();
    } catch (exc) {
      this._loop.callExceptionHandler({
        message: 'Waiting for a child process failed',
        exception: exc,
        transport: this,
      });
      return;
    }
    if (returncode === null) {
      // Signalled but not exited (never expected): wait again.
      this._loop._proactor.waitForHandle(proc._handle).addDoneCallback(this._onExitWait);
      return;
    }
    this._processExited(returncode);
  };

  // Port of BaseSubprocessTransport.__repr__.
  toString(): string {
    const info = [this.constructor.name];
    if (this._closed) info.push('closed');
    if (this._pid !== null) info.push(`pid=${this._pid}`);
    if (this._returncode !== null) info.push(`returncode=${this._returncode}`);
    else if (this._pid !== null) info.push('running');
    else info.push('not started');
    const stdin = this._pipes.get(0);
    if (stdin) info.push(`stdin=${describePipe(stdin.pipe)}`);
    const stdout = this._pipes.get(1);
    const stderr = this._pipes.get(2);
    if (stdout) info.push(`stdout=${describePipe(stdout.pipe)}`);
    if (stderr) info.push(`stderr=${describePipe(stderr.pipe)}`);
    return `<${info.join(' ')}>`;
  }

  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  setProtocol(protocol: SubprocessProtocol): void {
    if (typeof protocol !== 'object' || protocol === null)
      throw new TypeError('protocol must be an object');
    this._protocol = protocol;
  }

  getProtocol(): SubprocessProtocol {
    return this._protocol;
  }

  isClosing(): boolean {
    return this._closed;
  }

  // Port of BaseSubprocessTransport.close: the pipes close, and a child
  // still running is killed (with a warning in debug mode, as CPython's
  // ResourceWarning-like 'Close running child process: kill').
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const proto of this._pipes.values()) proto?.pipe?.close();
    const proc = this._proc;
    if (proc === null || this._returncode !== null) return;
    let running = true;
    try {
      running = proc.poll() === null;
    } catch {
      // Unknown: kill it to be safe.
    }
    if (!running) return;
    if (this._loop.getDebug()) logger.warn(`Close running child process: kill ${this.toString()}`);
    try {
      proc.kill();
    } catch (exc) {
      // The process may have already exited (or may not be ours to signal).
      if (this._loop.getDebug()) logger.debug(`kill ${this.toString()} failed: ${String(exc)}`);
    }
    // Don't clear the _proc reference yet: _connectPipes() may still run.
  }

  getPid(): number {
    return this._pid as number;
  }

  getReturncode(): number | null {
    return this._returncode;
  }

  getPipeTransport(fd: number): BaseTransport | null {
    return this._pipes.get(fd)?.pipe ?? null;
  }

  // Port of _check_proc: ProcessLookupError once the transport finished.
  private _checkProc(): Popen {
    if (this._proc === null)
      throw new ProcessLookupError('the process has finished (its transport is closed)');
    return this._proc;
  }

  sendSignal(sig: number | string): void {
    const n = signalNumber(sig);
    this._checkProc().sendSignal(n);
  }

  terminate(): void {
    this._checkProc().terminate();
  }

  kill(): void {
    this._checkProc().kill();
  }

  // Port of BaseSubprocessTransport._connect_pipes.
  /** @internal */
  async _connectPipes(waiter: Future<void> | null): Promise<void> {
    try {
      const proc = this._proc as Popen;
      if (proc.stdin !== null) await this._connectPipe(0, proc.stdin, WriteSubprocessPipeProto);
      if (proc.stdout !== null) await this._connectPipe(1, proc.stdout, ReadSubprocessPipeProto);
      if (proc.stderr !== null) await this._connectPipe(2, proc.stderr, ReadSubprocessPipeProto);
      this._loop.callSoon(callProtocol, this, 'connectionMade', [this]);
      for (const [method, args] of this._pendingCalls ?? [])
        this._loop.callSoon(callProtocol, this, method, args);
      this._pendingCalls = null;
    } catch (exc) {
      if (waiter !== null && !waiter.cancelled()) waiter.setException(exc as Error);
      return;
    }
    // Woken only once connectionMade() ran (as the pipe transports do):
    // code awaiting the waiter from outside the loop (plain async code on
    // the shared loop) resumes at once when it is done, not in loop order.
    if (waiter !== null) this._loop.callSoon(setResultUnlessCancelled, waiter);
  }

  // Port of loop.connect_write_pipe / connect_read_pipe with the pipe
  // protocols. The protocol is registered at once, so close() reaches a
  // pipe whose connectionMade has not run yet.
  private async _connectPipe(
    fd: number,
    pipe: PipeHandle,
    Proto: typeof WriteSubprocessPipeProto,
  ): Promise<void> {
    const loop = this._loop;
    const waiter = loop.createFuture<void>();
    const proto = new Proto(this, fd);
    proto.pipe =
      fd === 0
        ? loop._makeWritePipeTransport(pipe, proto, waiter)
        : loop._makeReadPipeTransport(pipe, proto, waiter);
    this._pipes.set(fd, proto);
    try {
      await waiter;
    } catch (exc) {
      proto.pipe.close();
      throw exc;
    }
  }

  /** @internal Port of _call: queued until connectionMade, else scheduled. */
  _call(method: ProtocolMethod, args: unknown[]): void {
    if (this._pendingCalls !== null) this._pendingCalls.push([method, args]);
    else this._loop.callSoon(callProtocol, this, method, args);
  }

  /** @internal */
  _pipeConnectionLost(fd: number, exc: Error | null): void {
    this._call('pipeConnectionLost', [fd, exc]);
    this._tryFinish();
  }

  /** @internal */
  _pipeDataReceived(fd: number, data: Buffer): void {
    this._call('pipeDataReceived', [fd, data]);
  }

  /** @internal */
  _pauseWriting(): void {
    this._protocol.pauseWriting?.();
  }

  /** @internal */
  _resumeWriting(): void {
    this._protocol.resumeWriting?.();
  }

  // Port of BaseSubprocessTransport._process_exited.
  /** @internal */
  _processExited(returncode: number): void {
    if (this._returncode !== null) return;
    if (this._loop.getDebug())
      logger.debug(`${this.toString()} exited with return code ${returncode}`);
    this._returncode = returncode;
    this._call('processExited', []);
    this._tryFinish();
  }

  // Port of BaseSubprocessTransport._wait.
  /** @internal Resolves to the exit status, once connectionLost ran (at once if the exit is known). */
  async _wait(): Promise<number> {
    if (this._returncode !== null) return this._returncode;
    const waiter = this._loop.createFuture<number>();
    (this._exitWaiters as Array<Future<number>>).push(waiter);
    return await waiter;
  }

  // Port of BaseSubprocessTransport._try_finish.
  /** @internal */
  _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const proto of this._pipes.values()) {
      if (proto === null || !proto.disconnected) return;
    }
    this._finished = true;
    this._call('connectionLost', [null]);
  }

  // Port of BaseSubprocessTransport._call_connection_lost (queued through
  // _call, so it comes after every pending protocol call).
  /** @internal */
  _callConnectionLost(exc: Error | null): void {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      // Wake up the futures waiting for wait().
      for (const waiter of this._exitWaiters ?? []) {
        if (!waiter.cancelled()) waiter.setResult(this._returncode as number);
      }
      this._exitWaiters = null;
      this._proc?.release();
      this._proc = null;
      if (this._holding) {
        this._holding = false;
        this._loop._resourceClosed();
      }
    }
  }
}

// Port of futures._set_result_unless_cancelled.
function setResultUnlessCancelled(waiter: Future<void>): void {
  if (!waiter.cancelled()) waiter.setResult(undefined);
}

/** Calls one method of the transport's protocol, if it has it (connectionLost through the transport). */
function callProtocol(
  transport: BaseSubprocessTransport,
  method: ProtocolMethod,
  args: unknown[],
): void {
  if (method === 'connectionLost') {
    transport._callConnectionLost(args[0] as Error | null);
    return;
  }
  const protocol = transport._protocol as unknown as Record<
    string,
    ((...a: unknown[]) => void) | undefined
  >;
  protocol[method]?.(...args);
}
