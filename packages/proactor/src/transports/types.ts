// Port of asyncio/transports.py: the transport interfaces (the classes that
// implement them are in this folder, ports of proactor_events.py).
import type { SockAddr } from '../address';
import type { BaseProtocol } from '../protocols';

/** Write-buffer limits in bytes (asyncio's set_write_buffer_limits). */
export interface WriteBufferLimits {
  /** pauseWriting() is called when the buffer grows above this (default 64 KiB, or 4 x low). */
  high?: number;
  /** resumeWriting() is called when the buffer drains to this (default high / 4). */
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
  /** Replaces the protocol that receives this transport's events. */
  setProtocol(protocol: BaseProtocol): void;
  /** The protocol that receives this transport's events. */
  getProtocol(): BaseProtocol;
}

/** asyncio.ReadTransport. */
export interface ReadTransport extends BaseTransport {
  /** True unless reading is paused (or the transport is closing). */
  isReading(): boolean;
  /** Stops delivering data until resumeReading(); never cancels the read in flight, loses nothing. */
  pauseReading(): void;
  /** Resumes delivering data to the protocol (a no-op when not paused). */
  resumeReading(): void;
}

/** asyncio.WriteTransport. */
export interface WriteTransport extends BaseTransport {
  /**
   * Sets the flow-control marks of the write buffer.
   * @throws TypeError for a non-number; RangeError unless 0 <= low <= high.
   */
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
  /** [low, high] */
  getWriteBufferLimits(): [number, number];
  /** Bytes queued and not yet handed to the OS. */
  getWriteBufferSize(): number;
  /**
   * Queues `data` (copied; sent at once when nothing is pending). Writes
   * queued behind a pending send go out as one gathered send, in order.
   * Above the high mark the protocol's pauseWriting() is called.
   * @throws TypeError when `data` is not a Uint8Array; RuntimeError after writeEof().
   */
  write(data: Uint8Array): void;
  /** write() of each buffer of `list`, in order. */
  writelines(list: Iterable<Uint8Array>): void;
  /** Shuts down the write side once the buffered data is sent. */
  writeEof(): void;
  /** Whether writeEof() is possible (sockets and duplex pipes: true). */
  canWriteEof(): boolean;
  /** Closes at once: buffered data is dropped; connectionLost(null) follows. */
  abort(): void;
}

/** asyncio.Transport: a bidirectional stream. */
export interface Transport extends ReadTransport, WriteTransport {}

/** asyncio.DatagramTransport. */
export interface DatagramTransport extends BaseTransport {
  /**
   * Queues one datagram to `addr` (or to the connected peer without it).
   * @throws TypeError when `data` is not a Uint8Array; RangeError when
   *   `addr` differs from the connected peer's.
   */
  sendto(data: Uint8Array, addr?: SockAddr | null): void;
  /** Closes at once: queued datagrams are dropped; connectionLost(null) follows. */
  abort(): void;
  /** Bytes of datagrams queued and not yet sent. */
  getWriteBufferSize(): number;
  /** Sets the flow-control marks of the send queue (as WriteTransport's). */
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
  /** [low, high] */
  getWriteBufferLimits(): [number, number];
}
