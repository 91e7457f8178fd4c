// iocp: the meta-package. It re-exports every @iocp package; the event-loop
// classes and policies (ProactorEventLoop, SelectorEventLoop, run(), ...)
// join it as their packages land.
export * from '@iocp/futures';
export * from '@iocp/proactor';
// @iocp/pipes re-exports the pipe handle layer of @iocp/proactor; its own names:
export { PipeServer, createPipeConnection, openPipeConnection, startPipeServer, startServingPipe } from '@iocp/pipes';
export type { PipeServerOptions, PipeStreamOptions, StartPipeServerOptions } from '@iocp/pipes';
export { availableBackends, backend, native, version as nativeVersion } from '@iocp/native';
export type { BackendName } from '@iocp/native';
