// Port of asyncio/protocols.py: the protocol interfaces a transport calls.
// Protocols are plain objects (or class instances) with optional methods;
// a transport calls only the methods that exist.
import type { SockAddr } from './address';
import type { BaseTransport, DatagramTransport, Transport } from './transports/types';

/** asyncio.BaseProtocol: connection and flow-control callbacks. */
export interface BaseProtocol {
  /** The connection is made; `transport` is its transport. */
  connectionMade?(transport: BaseTransport): void;
  /** The connection is lost or closed; `exc` is null on a normal close or EOF. */
  connectionLost?(exc: Error | null): void;
  /** The transport's write buffer went over the high-water mark. */
  pauseWriting?(): void;
  /** The transport's write buffer drained under the low-water mark. */
  resumeWriting?(): void;
}

/** asyncio.Protocol: a stream protocol that receives Buffers. */
export interface Protocol extends BaseProtocol {
  connectionMade?(transport: Transport): void;
  /** Bytes arrived; `data` belongs to the protocol. */
  dataReceived?(data: Buffer): void;
  /** The peer closed its side; return true to keep the transport open for writing. */
  eofReceived?(): boolean | void;
}

/**
 * asyncio.BufferedProtocol: the protocol lends the buffer a read goes into.
 * getBuffer(sizeHint) returns a non-empty Uint8Array; bufferUpdated(n) says
 * how many bytes of it were filled. The proactor transports call
 * getBuffer(-1) (any size) once per read and read straight into that buffer
 * (at most its first 256 KiB; no allocation per read): leave it alone until bufferUpdated or
 * connectionLost. After close() or abort() nothing is written into it.
 */
export interface BufferedProtocol extends BaseProtocol {
  connectionMade?(transport: Transport): void;
  getBuffer(sizeHint: number): Uint8Array;
  bufferUpdated(nbytes: number): void;
  eofReceived?(): boolean | void;
}

/** asyncio.DatagramProtocol. */
export interface DatagramProtocol extends BaseProtocol {
  connectionMade?(transport: DatagramTransport): void;
  datagramReceived?(data: Buffer, addr: SockAddr | null): void;
  /** A send or receive failed (ConnectionRefusedError on a connected UDP socket, ...). */
  errorReceived?(exc: Error): void;
}

/** asyncio.SubprocessProtocol. */
export interface SubprocessProtocol extends BaseProtocol {
  pipeDataReceived?(fd: number, data: Buffer): void;
  pipeConnectionLost?(fd: number, exc: Error | null): void;
  processExited?(): void;
}

/** Makes the protocol of a new connection (asyncio's protocol_factory). */
export type ProtocolFactory<P extends BaseProtocol = BaseProtocol> = () => P;

/** True when `protocol` is a BufferedProtocol (it has getBuffer). */
export function isBufferedProtocol(protocol: BaseProtocol): protocol is BufferedProtocol {
  return typeof (protocol as Partial<BufferedProtocol>).getBuffer === 'function';
}
