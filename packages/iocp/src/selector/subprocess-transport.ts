// Port of asyncio/base_subprocess.py BaseSubprocessTransport (with
// WriteSubprocessPipeProto and ReadSubprocessPipeProto) on Node's
// child_process: the SubprocessTransport of @iocp/subprocess (getPid,
// getReturncode, getPipeTransport, sendSignal, terminate, kill, close) for
// the selector loop. The child's pipes are Node sockets, each wrapped in a
// SelectorStreamTransport whose protocol forwards to the
// SubprocessProtocol (pipeDataReceived(fd, data), pipeConnectionLost(fd,
// exc)); processExited() follows the exit, connectionLost(null) once the
// process exited and every pipe is closed, as in CPython.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Socket as NetSocket } from 'node:net';

import { ProcessLookupError, RuntimeError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import type { BaseProtocol, SubprocessProtocol, Transport } from '@iocp/proactor';
import type { SubprocessTransport } from '@iocp/subprocess';

export type { SubprocessTransport };

import type { SelectorLoopCore } from './loop-core';
import { SelectorStreamTransport } from './stream-transport';

export class SelectorSubprocessTransport implements SubprocessTransport {
  private readonly _pipes = new Map<number, { transport: SelectorStreamTransport; disconnected: boolean }>();
  private _returncode: number | null = null;
  private _closed = false;
  private _finished = false;
  private _exitWaiters: Future<number>[] = [];

  constructor(
    private readonly _loop: SelectorLoopCore,
    private readonly _child: ChildProcess,
    private readonly _protocol: SubprocessProtocol,
  ) {
    _loop._resourceOpened();
    const stdio: Array<NetSocket | null> = [_child.stdin as NetSocket | null, _child.stdout as NetSocket | null, _child.stderr as NetSocket | null];
    stdio.forEach((sock, fd) => {
      if (sock === null) return;
      const entry = { transport: null as unknown as SelectorStreamTransport, disconnected: false };
      const proto = {
        dataReceived: (data: Buffer): void => this._protocol.pipeDataReceived?.(fd, data),
        connectionLost: (exc: Error | null): void => {
          entry.disconnected = true;
          this._protocol.pipeConnectionLost?.(fd, exc);
          this._tryFinish();
        },
        pauseWriting: (): void => this._protocol.pauseWriting?.(),
        resumeWriting: (): void => this._protocol.resumeWriting?.(),
      };
      entry.transport = new SelectorStreamTransport(_loop, sock, proto, null, {}, null, fd === 0);
      this._pipes.set(fd, entry);
    });
    _child.on('exit', this._onExit);
    // Port of BaseSubprocessTransport._connect_pipes: connection_made after the pipes'.
    _loop.callSoon(() => this._protocol.connectionMade?.(this as never));
  }

  toString(): string {
    return `<SelectorSubprocessTransport pid=${this._child.pid} returncode=${this._returncode}>`;
  }

  getPid(): number {
    return this._child.pid as number;
  }
  getReturncode(): number | null {
    return this._returncode;
  }
  getPipeTransport(fd: number): Transport | null {
    return this._pipes.get(fd)?.transport ?? null;
  }
  getProtocol(): BaseProtocol {
    return this._protocol;
  }
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return name === 'subprocess' ? (this._child as unknown as T) : defaultValue;
  }
  isClosing(): boolean {
    return this._closed;
  }
  setProtocol(): void {
    throw new RuntimeError('a subprocess transport keeps its protocol');
  }

  // Port of BaseSubprocessTransport.send_signal / _check_proc.
  sendSignal(signal: number | string): void {
    if (this._returncode !== null) throw new ProcessLookupError();
    this._child.kill(signal as NodeJS.Signals | number);
  }
  terminate(): void {
    this.sendSignal('SIGTERM');
  }
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  // Port of BaseSubprocessTransport.close: the pipes close; a child still running is killed.
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const { transport } of this._pipes.values()) transport.close();
    if (this._returncode === null && this._child.exitCode === null && this._child.signalCode === null) {
      if (this._loop.getDebug()) logger.warn(`Close running child process: kill ${this.toString()}`);
      this._child.kill('SIGKILL');
    }
  }

  /** @internal Resolves to the return code once the child exited (Process.wait's base). */
  _wait(): Future<number> {
    const fut = this._loop.createFuture<number>();
    if (this._returncode !== null) fut.setResult(this._returncode);
    else this._exitWaiters.push(fut);
    return fut;
  }

  private readonly _onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    const returncode = code ?? -((signal !== null ? constants.signals[signal] : undefined) ?? 1);
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => this._processExited(returncode));
  };

  // Port of BaseSubprocessTransport._process_exited.
  private _processExited(returncode: number): void {
    this._returncode = returncode;
    this._protocol.processExited?.();
    this._tryFinish();
    for (const w of this._exitWaiters.splice(0)) if (!w.done()) w.setResult(returncode);
  }

  // Port of BaseSubprocessTransport._try_finish and _call_connection_lost.
  private _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const p of this._pipes.values()) if (!p.disconnected) return;
    this._finished = true;
    this._loop.callSoon(() => {
      try {
        this._protocol.connectionLost?.(null);
      } finally {
        this._loop._resourceClosed();
      }
    });
  }
}
