// @iocp/futures: asyncio's Future, Task and event-loop core in pure
// TypeScript. The bottom layer: futures -> native -> proactor -> pipes ->
// subprocess -> iocp. See README.md.
export {
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
} from './errors';
export {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  codeOfErrno,
  describeCode,
  errnoOfCode,
} from './os-error';
export type { OSErrorOptions } from './os-error';
export {
  codeOfWinError,
  osErrorClassForCode,
  osErrorFromErrno,
  osErrorFromNative,
  osErrorFromWinError,
} from './os-error-from-native';
export type { NativeErrorOptions } from './os-error-from-native';
export { Future, isFuture } from './future';
export type { DoneCallback, FutureOptions } from './future';
export { Task, allTasks, createTask, currentTask } from './task';
export type { CreateTaskOptions, TaskFactory, TaskFunction, TaskOptions } from './task';
export { Handle, TimerHandle } from './handle';
export type { Callback } from './handle';
export { BaseEventLoop } from './base-event-loop';
export { BaseServer } from './base-server';
export type { ServerClient, ServerSocket } from './base-server';
export type { ExceptionContext, ExceptionHandler } from './exception-context';
export { getRunningLoop, getRunningLoopOrNull } from './running-loop';
export { logger } from './logger';
export type { Logger } from './logger';
export { ensureFuture, wrapFuture } from './ensure-future';
export type { Awaitable } from './ensure-future';
export { sleep } from './sleep';
export { waitFor } from './wait-for';
export { gather, GatheringFuture } from './gather';
export type { GatherOptions, GatherResult } from './gather';
export { shield } from './shield';
export { wait, ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION } from './wait';
export type { ReturnWhen, WaitOptions } from './wait';
export { asCompleted, AsCompletedIterator } from './as-completed';
export type { AsCompletedOptions } from './as-completed';
