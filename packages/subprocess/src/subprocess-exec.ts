// Port of base_events.py BaseEventLoop.subprocess_exec / subprocess_shell
// and windows_events.py / unix_events.py _make_subprocess_transport:
// start a child with a SubprocessProtocol on an explicit proactor loop.
// Arguments are checked synchronously (TypeError, RangeError); the spawn
// itself runs synchronously too, so a missing program is a rejected
// promise (FileNotFoundError), as the connection helpers' OS errors are.
import { logger } from '@iocp/futures';
import { BaseProactorEventLoop } from '@iocp/proactor';
import type { ProtocolFactory, SubprocessProtocol } from '@iocp/proactor';

import { checkOptions, checkString, describeType } from './options';
import type { CheckedOptions, SubprocessOptions } from './options';
import type { Command } from './popen';
import { BaseSubprocessTransport } from './subprocess-transport';
import type { SubprocessTransport } from './subprocess-transport';

/** Checks argv: a non-empty array of strings without NUL. */
export function checkArgv(argv: unknown, name = 'argv'): string[] {
  if (!Array.isArray(argv))
    throw new TypeError(`${name} must be an array of strings, not ${describeType(argv)}`);
  if (argv.length === 0)
    throw new RangeError(`${name} must not be empty (the program comes first)`);
  return argv.map((a, i) => checkString(a, `${name}[${i}]`));
}

function checkLoop(loop: unknown): BaseProactorEventLoop {
  if (!(loop instanceof BaseProactorEventLoop))
    throw new TypeError('loop must be a BaseProactorEventLoop');
  return loop;
}

function checkFactory(protocolFactory: unknown): void {
  if (typeof protocolFactory !== 'function')
    throw new TypeError('protocolFactory must be a function');
}

// Port of _make_subprocess_transport: on any failure after the spawn (the
// pipes could not be connected, the caller was cancelled) the transport is
// closed (the child killed), its end awaited, and the error re-raised.
/** @internal */
export async function makeSubprocessTransport(
  loop: BaseProactorEventLoop,
  protocol: SubprocessProtocol,
  command: Command,
  opts: CheckedOptions,
): Promise<BaseSubprocessTransport> {
  const waiter = loop.createFuture<void>();
  const transport = new BaseSubprocessTransport(loop, protocol, command, opts, waiter);
  try {
    await waiter;
  } catch (exc) {
    transport.close();
    await transport._wait();
    throw exc;
  }
  return transport;
}

async function start<P extends SubprocessProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  command: Command,
  opts: CheckedOptions,
): Promise<[SubprocessTransport, P]> {
  const protocol = protocolFactory();
  const what = command.shell
    ? `run shell command ${JSON.stringify(command.cmd)}`
    : `execute program ${JSON.stringify(command.argv[0])}`;
  const transport = await makeSubprocessTransport(loop, protocol, command, opts);
  if (loop.getDebug()) logger.debug(`${what}: ${transport.toString()}`);
  return [transport, protocol];
}

/**
 * Port of loop.subprocess_exec: runs argv[0] with the arguments argv[1..]
 * (no shell). stdin, stdout and stderr default to 'pipe'. Resolves once
 * the pipes are connected; the protocol's connectionMade has run by then.
 */
export function subprocessExec<P extends SubprocessProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  argv: readonly string[],
  opts?: SubprocessOptions,
): Promise<[SubprocessTransport, P]> {
  checkLoop(loop);
  checkFactory(protocolFactory);
  const checked = checkArgv(argv);
  const o = checkOptions(opts, 'pipe');
  return start(loop, protocolFactory, { shell: false, argv: checked }, o);
}

/**
 * Port of loop.subprocess_shell: runs `cmd` through the shell (/bin/sh -c
 * on Linux, %ComSpec% /c on Windows). stdin, stdout and stderr default to
 * 'pipe'.
 */
export function subprocessShell<P extends SubprocessProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  cmd: string,
  opts?: SubprocessOptions,
): Promise<[SubprocessTransport, P]> {
  checkLoop(loop);
  checkFactory(protocolFactory);
  const checked = checkString(cmd, 'cmd');
  const o = checkOptions(opts, 'pipe');
  return start(loop, protocolFactory, { shell: true, cmd: checked }, o);
}
