// @iocp/proactor: sockets, events, pipe handles and IocpProactor on the @iocp
// completion core.
export { IocpProactor } from './iocp-proactor';
export type { Connection } from './iocp-proactor';
export { OverlappedFuture } from './overlapped-future';
export { Socket } from './socket';
export type { SocketOwner } from './socket';
export { Event } from './event';
export type { EventOptions } from './event';
export { decodeAddress, encodeAddress } from './address';
export type { SockAddr, SocketFamily, SocketType } from './address';
export { PipeHandle, pipe } from './pipe-handle';
export type { PipeOptions } from './pipe-handle';
export { createPipeInstance } from './pipe-instance';
export type { PipeInstanceOptions } from './pipe-instance';
export { PIPE_PREFIX, pipeFolder, pipePath } from './pipe-address';
export { BaseProactorEventLoop } from './base-proactor-event-loop';
export type { TransportServer } from './base-proactor-event-loop';
export { isBufferedProtocol } from './protocols';
export type {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  Protocol,
  ProtocolFactory,
  SubprocessProtocol,
} from './protocols';
export {
  FlowControlTransport,
  ProactorBasePipeTransport,
  ProactorBaseWritePipeTransport,
  ProactorDatagramTransport,
  ProactorDuplexPipeTransport,
  ProactorReadPipeTransport,
  ProactorReadWriteTransport,
  ProactorSocketTransport,
  ProactorWritePipeTransport,
} from './transports/index';
export type {
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  Transport,
  WriteBufferLimits,
  WriteTransport,
} from './transports/index';
