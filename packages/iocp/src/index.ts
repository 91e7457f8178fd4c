// iocp: the meta-package. It re-exports every @iocp package and adds the
// event loops of windows_events.py (ProactorEventLoop, SelectorEventLoop),
// the event loop policies and run().
export * from '@iocp/futures';
export * from '@iocp/proactor';
// @iocp/pipes re-exports the pipe handle layer of @iocp/proactor; its own names:
export { PipeServer, createPipeConnection, openPipeConnection, startPipeServer, startServingPipe } from '@iocp/pipes';
export type { PipeServerOptions, PipeStreamOptions, StartPipeServerOptions } from '@iocp/pipes';
export * from '@iocp/subprocess';
export { availableBackends, backend, native, version as nativeVersion } from '@iocp/native';
export type { BackendName } from '@iocp/native';

export { KeyboardInterrupt } from './keyboard-interrupt';
export { ProactorEventLoop } from './proactor-event-loop';
export * from './selector';
export { SharedSelectorEventLoop } from './shared-loop-policy';
export {
  BaseDefaultEventLoopPolicy,
  DefaultEventLoopPolicy,
  WindowsProactorEventLoopPolicy,
  WindowsSelectorEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  newEventLoop,
  setEventLoop,
  setEventLoopPolicy,
} from './policies';
export type { EventLoopPolicy } from './policies';
export { run } from './run';
export type { RunOptions } from './run';
