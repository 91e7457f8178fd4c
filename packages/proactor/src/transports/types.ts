// Port of asyncio/transports.py: the transport interfaces (the classes that
// implement them are in this folder, ports of proactor_events.py).
import type { SockAddr } from '../address';
import type { BaseProtocol } from '../protocols';

/** Write-buffer limits in bytes (asyncio's set_write_buffer_limits). */
export interface WriteBufferLimits {
  high?: number;
  low?: number;
}

/** asyncio.BaseTransport. */
export interface BaseTransport {
  /**
   * Optional information: 'peername', 'sockname', 'socket' (the Socket or
   * PipeHandle), 'addr' and 'pipe' for pipes; `defaultValue` when absent.
   */
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined;
  /** True once close() or abort() was called (or the connection was lost). */
  isClosing(): boolean;
  /** Closes after the buffered data is sent; connectionLost(null) follows once, on a later iteration. */
  close(): void;
  setProtocol(protocol: BaseProtocol): void;
  getProtocol(): BaseProtocol;
}

/** asyncio.ReadTransport. */
export interface ReadTransport extends BaseTransport {
  isReading(): boolean;
  /** Stops delivering data until resumeReading(); never cancels the read in flight, loses nothing. */
  pauseReading(): void;
  resumeReading(): void;
}

/** asyncio.WriteTransport. */
export interface WriteTransport extends BaseTransport {
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
  /** [low, high] */
  getWriteBufferLimits(): [number, number];
  getWriteBufferSize(): number;
  write(data: Uint8Array): void;
  writelines(list: Iterable<Uint8Array>): void;
  /** Shuts down the write side once the buffered data is sent. */
  writeEof(): void;
  canWriteEof(): boolean;
  /** Closes at once: buffered data is dropped; connectionLost(null) follows. */
  abort(): void;
}

/** asyncio.Transport: a bidirectional stream. */
export interface Transport extends ReadTransport, WriteTransport {}

/** asyncio.DatagramTransport. */
export interface DatagramTransport extends BaseTransport {
  sendto(data: Uint8Array, addr?: SockAddr | null): void;
  abort(): void;
  getWriteBufferSize(): number;
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
  getWriteBufferLimits(): [number, number];
}
