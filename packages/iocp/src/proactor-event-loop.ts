// Port of asyncio/windows_events.py ProactorEventLoop: BaseProactorEventLoop
// with the pipe methods (start_serving_pipe, create_pipe_connection, which
// @iocp/pipes implements as functions of a loop), the subprocess methods
// (subprocess_exec, subprocess_shell: @iocp/subprocess's functions) and
// CPython's run-forever set-up and clean-up.
//
// Run-forever set-up and clean-up. CPython's ProactorEventLoop keeps a read
// pending on its self-pipe while it runs (_loop_self_reading) so that
// call_soon_threadsafe() and signals can wake up the blocking
// GetQueuedCompletionStatus(); at the end of run_forever() the read is
// cancelled, and unregistered only once its I/O is no longer pending
// (gh-116773: the kernel may still write into the OVERLAPPED). Nothing here
// blocks: the proactor hands its completions to Node's own event loop, and
// a callback scheduled from outside an iteration wakes the loop through a
// setImmediate (BaseEventLoop._wakeup), so there is no self-pipe and no
// self-reading future to cancel. What gh-116773 guards against, an
// operation freed while the OS still owns it, is IocpProactor.close()'s
// rule: it resolves only once every cancelled operation has completed. The
// part of the set-up that remains is the signal one: while the loop runs,
// SIGINT stops it with KeyboardInterrupt (keyboard-interrupt.ts), and the
// process's own SIGINT listeners come back when the run ends.
import { BaseProactorEventLoop } from '@iocp/proactor';
import type { BaseProtocol, IocpProactor, ProtocolFactory, SubprocessProtocol, Transport } from '@iocp/proactor';
import { createPipeConnection, startServingPipe } from '@iocp/pipes';
import type { PipeServer, PipeServerOptions } from '@iocp/pipes';
import { subprocessExec, subprocessShell } from '@iocp/subprocess';
import type { SubprocessOptions, SubprocessTransport } from '@iocp/subprocess';

import { SigintGuard } from './keyboard-interrupt';

/** The event loop of Windows asyncio: I/O through IOCP (io_uring or epoll on Linux). */
export class ProactorEventLoop extends BaseProactorEventLoop {
  /** @internal SIGINT while the loop runs (keyboard-interrupt.ts). */
  readonly _sigint: SigintGuard;

  constructor(proactor?: IocpProactor) {
    super(proactor);
    this._sigint = new SigintGuard(this);
  }

  // Port of ProactorEventLoop._run_forever_setup (see the file comment).
  protected override _onRunStart(): void {
    super._onRunStart();
    this._sigint.install();
  }

  // Port of ProactorEventLoop._run_forever_cleanup: throws KeyboardInterrupt
  // (runForever rejects with it) when SIGINT stopped the run.
  protected override _onRunStop(): void {
    super._onRunStop();
    this._sigint.uninstall();
  }

  // Port of ProactorEventLoop.start_serving_pipe.
  /**
   * Serves the pipe `address` (`\\.\pipe\NAME`): a duplex pipe transport
   * and a `protocolFactory()` protocol for each client. Resolves to
   * [server]; rejects with PermissionError when a live server has the name.
   */
  startServingPipe(protocolFactory: ProtocolFactory, address: string, opts?: PipeServerOptions): Promise<[PipeServer]> {
    return startServingPipe(this, protocolFactory, address, opts);
  }

  // Port of ProactorEventLoop.create_pipe_connection.
  /** Connects to the pipe `address`; rejects with FileNotFoundError when no server has it. */
  createPipeConnection<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, address: string): Promise<[Transport, P]> {
    return createPipeConnection(this, protocolFactory, address);
  }

  // Port of base_events.py subprocess_exec (windows_events.py's
  // _make_subprocess_transport), through @iocp/subprocess.
  /**
   * Runs argv[0] with the arguments argv[1..] (no shell); stdin, stdout and
   * stderr default to 'pipe'. Resolves once the pipes are connected; a
   * missing program rejects with FileNotFoundError.
   */
  subprocessExec<P extends SubprocessProtocol>(
    protocolFactory: ProtocolFactory<P>,
    argv: string[],
    opts?: SubprocessOptions,
  ): Promise<[SubprocessTransport, P]> {
    return subprocessExec(this, protocolFactory, argv, opts);
  }

  // Port of base_events.py subprocess_shell.
  /** Runs `cmd` through the shell (/bin/sh -c; cmd.exe /c on Windows). */
  subprocessShell<P extends SubprocessProtocol>(
    protocolFactory: ProtocolFactory<P>,
    cmd: string,
    opts?: SubprocessOptions,
  ): Promise<[SubprocessTransport, P]> {
    return subprocessShell(this, protocolFactory, cmd, opts);
  }
}
