// @iocp/pipes: named pipes on the @iocp completion core. The handle layer
// (PipeHandle, pipe(), server instances, pipe names) lives in
// @iocp/proactor, which IocpProactor.acceptPipe/connectPipe need; it is
// re-exported here. PipeServer and the pipe transports and streams follow.
export {
  PIPE_PREFIX,
  PipeHandle,
  createPipeInstance,
  pipe,
  pipeFolder,
  pipePath,
} from '@iocp/proactor';
export type { PipeInstanceOptions, PipeOptions } from '@iocp/proactor';
