// @iocp/pipes: named pipes on the @iocp completion core. The handle layer
// (PipeHandle, pipe(), server instances, pipe names) lives in
// @iocp/proactor, which IocpProactor.acceptPipe/connectPipe need; it is
// re-exported here. PipeServer, the pipe transports (startServingPipe,
// createPipeConnection) and the pipe streams are this package's.
export {
  PIPE_PREFIX,
  PipeHandle,
  allocReceiveBuffer,
  createPipeInstance,
  pipe,
  pipeFolder,
  pipePath,
} from '@iocp/proactor';
export type { PipeInstanceOptions, PipeOptions } from '@iocp/proactor';
export { PipeServer } from './pipe-server';
export type { PipeServerOptions } from './pipe-server-options';
export { createPipeConnection, startServingPipe } from './serving';
export { openPipeConnection, startPipeServer } from './pipe-streams';
export type { PipeStreamOptions, StartPipeServerOptions } from './pipe-streams';
