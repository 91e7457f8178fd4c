// The proactor transports (ports of asyncio/proactor_events.py).
export type {
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  Transport,
  WriteBufferLimits,
  WriteTransport,
} from './types';
export { FlowControlTransport } from './flow-control';
export { ProactorBasePipeTransport } from './base-pipe-transport';
export { ProactorReadPipeTransport, ProactorReadWriteTransport } from './read-write-transport';
export { ProactorBaseWritePipeTransport, ProactorWritePipeTransport } from './write-pipe-transport';
export { ProactorDuplexPipeTransport } from './duplex-pipe-transport';
export { ProactorSocketTransport } from './socket-transport';
export { ProactorDatagramTransport } from './datagram-transport';
