// @iocp/proactor: sockets, events, pipe handles and IocpProactor on the @iocp
// completion core.
export { IocpProactor } from './iocp-proactor';
export { allocReceiveBuffer } from '@iocp/native';
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
export { Server } from './loop/server';
export type { AbstractServer } from './loop/server';
export type {
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  FamilyOption,
  SockSendfileOptions,
} from './loop/options';
export type { AddrInfo, GetaddrinfoOptions } from './loop/resolve-address';
export { createConnection, createDatagramEndpoint, createServer } from './loop/plain-calls';
export {
  OnDemandState,
  SharedProactorEventLoop,
  onDemand,
  connectionsLoopForCall,
  holdWhile,
  idleClosing as idleClosingHook,
  loopForCall,
  setSharedLoopFactory,
  sharedLoop,
  sharedLoopIdle,
} from './loop/shared-loop';
export type { ConnectionsLoop, OnDemandHost, OnDemandLoop, OnDemandMembers, SharedLoop } from './loop/shared-loop';
export { SENDFILE_FALLBACK_READBUFFER_SIZE } from './loop/sock-sendfile';
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
export {
  DEFAULT_LIMIT,
  FlowControlMixin,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  openConnection,
  startServer,
} from './streams';
export type {
  ClientConnectedCallback,
  OpenConnectionOptions,
  Separator,
  StartServerOptions,
  StreamOptions,
  StreamReaderOptions,
  StreamsLoop,
} from './streams';
export { StreamPairDuplex, TransportDuplex, asDuplex } from './duplex';
export type { AsDuplexOptions, TakeOverState } from './duplex';
