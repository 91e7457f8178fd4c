// Port of asyncio/subprocess.py create_subprocess_exec and
// create_subprocess_shell: a Process with stream access to its pipes.
//
// The loop is `opts.loop`, else the running BaseProactorEventLoop, else the
// shared on-demand loop of @iocp/proactor: plain async code can call these
// with no loop of its own, and the process exits by itself once every
// child it started ended and its pipes closed (each subprocess transport,
// like each pipe transport, holds the shared loop while it lives).
// Arguments are checked synchronously (TypeError, RangeError), as
// openConnection does; a program that cannot be started rejects
// (FileNotFoundError, PermissionError).
import { BaseProactorEventLoop, holdWhile, loopForCall } from '@iocp/proactor';

import { checkOptions, checkString, describeType } from './options';
import type { CheckedOptions, ProcessOptions } from './options';
import type { Command } from './popen';
import { Process } from './process';
import { makeSubprocessTransport } from './subprocess-exec';
import { SubprocessStreamProtocol } from './subprocess-stream-protocol';

function split(
  opts: unknown,
  what: string,
): [number | undefined, BaseProactorEventLoop, CheckedOptions] {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object' || Array.isArray(opts))
    throw new TypeError(`opts must be an object, not ${describeType(opts)}`);
  const { limit, loop, ...rest } = opts as ProcessOptions;
  if (limit !== undefined && typeof limit !== 'number')
    throw new TypeError('opts.limit must be a number');
  if (limit !== undefined && !(limit > 0)) throw new RangeError('opts.limit cannot be <= 0');
  if (loop !== undefined && !(loop instanceof BaseProactorEventLoop))
    throw new TypeError('opts.loop must be a BaseProactorEventLoop');
  // As CPython's create_subprocess_*: each stdio slot defaults to the parent's own.
  const checked = checkOptions(rest, 'inherit');
  return [limit, loop ?? loopForCall(what), checked];
}

async function start(
  limit: number | undefined,
  loop: BaseProactorEventLoop,
  command: Command,
  opts: CheckedOptions,
): Promise<Process> {
  const protocol = new SubprocessStreamProtocol(limit, loop);
  const transport = await makeSubprocessTransport(loop, protocol, command, opts);
  return new Process(transport, protocol, loop);
}

/**
 * Runs `program` with `args` (no shell); resolves to its Process. The
 * program is searched in PATH (opts.env's, else this process's) when its
 * name holds no path separator. stdin, stdout and stderr default to
 * 'inherit'.
 */
export function createSubprocessExec(
  program: string,
  args: readonly string[] = [],
  opts?: ProcessOptions,
): Promise<Process> {
  const argv = [checkString(program, 'program')];
  if (!Array.isArray(args))
    throw new TypeError(`args must be an array of strings, not ${describeType(args)}`);
  args.forEach((arg, i) => argv.push(checkString(arg, `args[${i}]`)));
  const [limit, loop, checked] = split(opts, 'createSubprocessExec()');
  return holdWhile(loop, () => start(limit, loop, { shell: false, argv }, checked));
}

/** Runs `cmd` through the shell (/bin/sh -c on Linux, %ComSpec% /c on Windows); resolves to its Process. */
export function createSubprocessShell(cmd: string, opts?: ProcessOptions): Promise<Process> {
  const checked = checkString(cmd, 'cmd');
  const [limit, loop, o] = split(opts, 'createSubprocessShell()');
  return holdWhile(loop, () => start(limit, loop, { shell: true, cmd: checked }, o));
}
