// @iocp/subprocess: child processes on the @iocp proactor. Their exit is
// observed by waiting on the process handle (Windows) or a pidfd (Linux)
// through the proactor, their pipes are proactor pipe transports. Ports of
// asyncio's base_subprocess.py, subprocess.py and windows_utils.Popen.
export { createSubprocessExec, createSubprocessShell } from './create-subprocess';
export { Process } from './process';
export { SubprocessStreamProtocol } from './subprocess-stream-protocol';
export { subprocessExec, subprocessShell } from './subprocess-exec';
export { BaseSubprocessTransport } from './subprocess-transport';
export type { SubprocessTransport } from './subprocess-transport';
export { ReadSubprocessPipeProto, WriteSubprocessPipeProto } from './pipe-protocols';
export type { PipeOwner } from './pipe-protocols';
export { Popen } from './popen';
export type { Command } from './popen';
export { list2cmdline } from './list2cmdline';
export type { CheckedOptions, ProcessOptions, StderrOption, StdioOption, StdioSlot, SubprocessOptions } from './options';
export type { SubprocessProtocol } from '@iocp/proactor';
