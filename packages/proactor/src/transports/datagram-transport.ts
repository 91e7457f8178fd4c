// Port of asyncio/proactor_events.py _ProactorDatagramTransport: a UDP (or
// Unix datagram) socket. Datagrams queue in a FIFO with flow control; each
// goes out as one send (connected) or sendto. Errors of a send or a
// receive go to the protocol's errorReceived() and the transport stays
// open. Differences from CPython 3.13, and why:
// - after a failed receive (ConnectionRefusedError on a connected socket
//   whose peer is not listening, or ConnectionResetError where Windows
//   reports an ICMP port-unreachable that way) the read loop goes on, so
//   the transport keeps receiving (gh-91227's aim);
// - close() sends the queued datagrams first, then connectionLost follows
//   (CPython's _loop_writing returns at once once _conn_lost is set, so
//   its connectionLost would never come).
import { CancelledError, ConnectionError, OSError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';

import type { SockAddr } from '../address';
import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { DatagramProtocol } from '../protocols';
import type { BaseProtocol } from '../protocols';
import type { Connection } from '../iocp-proactor';
import type { Socket } from '../socket';
import type { DatagramTransport } from './types';
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, ProactorBasePipeTransport } from './base-pipe-transport';
import { setSocketExtra } from './socket-extra';

function sameAddress(a: SockAddr, b: SockAddr): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function formatAddress(addr: SockAddr): string {
  return typeof addr === 'string' ? `'${addr}'` : `[${addr.map((v) => (typeof v === 'string' ? `'${v}'` : v)).join(', ')}]`;
}

export class ProactorDatagramTransport extends ProactorBasePipeTransport implements DatagramTransport {
  /** CPython's max_size: the largest datagram a read takes. */
  static readonly maxSize = 256 * 1024;
  /** What a queued datagram counts for beyond its bytes (CPython's _header_size). */
  static readonly headerSize = 8;

  /** @internal The peer of a connected socket, or null. */
  readonly _address: SockAddr | null;
  /** @internal The queued datagrams and their addresses, from _head on. */
  _queue: Array<[Buffer, SockAddr | null] | undefined> = [];
  /** @internal */ _head = 0;
  /** @internal The buffer every receive goes into (the datagram is copied out). */
  readonly _data: Buffer = Buffer.allocUnsafeSlow(ProactorDatagramTransport.maxSize);

  /** @internal */
  readonly _onReadDone = (fut: Future<any>): void => {
    this._loopReading(fut);
  };
  /** @internal */
  readonly _onWriteDone = (fut: Future<number>): void => {
    this._loopWriting(fut);
  };

  constructor(
    loop: BaseProactorEventLoop,
    sock: Socket,
    protocol: BaseProtocol,
    address?: SockAddr | null,
    waiter?: Future<void> | null,
    extra?: Record<string, unknown> | null,
  ) {
    super(loop, sock, protocol, waiter, extra);
    this._address = address ?? null;
    this._loop.callSoon(this._onReadDone as (fut: Future<any> | null) => void, null);
  }

  override _setExtra(sock: Connection): void {
    setSocketExtra(this, sock as Socket);
  }

  override _hasBufferedData(): boolean {
    return this._head < this._queue.length;
  }

  override _dropBuffer(): void {
    this._queue = [];
    this._head = 0;
    this._bufferSize = 0;
  }

  override getWriteBufferSize(): number {
    return this._bufferSize;
  }

  // Port of _ProactorDatagramTransport.abort.
  abort(): void {
    this._forceClose(null);
  }

  // Port of _ProactorDatagramTransport.sendto (3.13: an empty datagram is
  // sent too, and counts for its header in the buffer size).
  sendto(data: Uint8Array, addr?: SockAddr | null): void {
    if (!(data instanceof Uint8Array)) throw new TypeError('data argument must be a bytes-like object (Uint8Array)');
    const address = this._address;
    if (address !== null && addr !== undefined && addr !== null && !sameAddress(addr, address)) {
      throw new RangeError(`Invalid address: must be None or ${formatAddress(address)}`);
    }
    if (this._connLost && address !== null) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) logger.warn('socket.sendto() raised exception.');
      this._connLost += 1;
      return;
    }
    // What is queued is a copy the caller cannot change.
    const copy = Buffer.allocUnsafe(data.length);
    copy.set(data);
    this._queue.push([copy, addr ?? null]);
    this._bufferSize += data.length + ProactorDatagramTransport.headerSize;
    // No send in flight: start one.
    if (this._writeFut === null) this._loopWriting(null);
    this._maybePauseProtocol();
  }

  // Port of _ProactorDatagramTransport._loop_writing. A send done at once
  // (the OS took it) is settled on the spot and the next datagram follows.
  /** @internal */
  _loopWriting(fut: Future<number> | null): void {
    try {
      if (fut !== null) {
        // _forceClose() ran meanwhile.
        if (fut !== this._writeFut) return;
        this._writeFut = null;
        fut.result();
      }
      for (;;) {
        const sock = this._sock as Socket | null;
        if (this._head >= this._queue.length || sock === null) {
          if (this._head > 0) this._dropQueueHead();
          if (this._closing) this._loop.callSoon(this._callConnectionLost, null);
          break;
        }
        const entry = this._queue[this._head] as [Buffer, SockAddr | null];
        this._queue[this._head++] = undefined;
        const [data, addr] = entry;
        this._bufferSize -= data.length + ProactorDatagramTransport.headerSize;
        const proactor = this._loop._proactor;
        const sent =
          this._address !== null || addr === null ? proactor.send(sock, data) : proactor.sendto(sock, data, 0, addr);
        if (!sent.done()) {
          this._writeFut = sent;
          sent.addDoneCallback(this._onWriteDone);
          break;
        }
        sent.result();
      }
    } catch (exc) {
      if (exc instanceof OSError) this._protocolErrorReceived(exc);
      else if (exc instanceof Error && !(exc instanceof CancelledError)) {
        this._fatalError(exc, 'Fatal write error on datagram transport');
      } else throw exc;
    }
    this._maybeResumeProtocol();
  }

  /** @internal Forgets the sent entries at the queue's head. */
  _dropQueueHead(): void {
    this._queue = this._queue.slice(this._head);
    this._head = 0;
  }

  /** @internal */
  _protocolErrorReceived(exc: Error): void {
    (this._protocol as DatagramProtocol).errorReceived?.(exc);
  }

  // Port of _ProactorDatagramTransport._loop_reading.
  /** @internal */
  _loopReading(fut: Future<number | [number, SockAddr | null]> | null): void {
    let data: Buffer | null = null;
    let addr: SockAddr | null = null;
    let rearm = false;
    try {
      if (this._connLost) return;
      if (fut !== null) {
        this._readFut = null;
        const res = fut.result();
        // close() was called: the data is ignored.
        if (this._closing) return;
        let n: number;
        if (this._address !== null) {
          n = res as number;
          addr = this._address;
        } else {
          [n, addr] = res as [number, SockAddr | null];
        }
        data = Buffer.allocUnsafe(n);
        this._data.copy(data, 0, 0, n);
      }
      if (this._connLost) return;
      this._startRead();
    } catch (exc) {
      if (exc instanceof OSError) {
        this._protocolErrorReceived(exc);
        // A receive error that is the peer's answer: the transport goes on.
        rearm = fut !== null && exc instanceof ConnectionError && !this._connLost;
      } else if (!this._isQuietCancel(exc)) {
        throw exc;
      }
    } finally {
      if (data !== null) (this._protocol as DatagramProtocol).datagramReceived?.(data, addr);
    }
    if (rearm) this._startRead();
  }

  /** @internal Starts the next receive. */
  _startRead(): void {
    const sock = this._sock as Socket | null;
    if (sock === null) return;
    const proactor = this._loop._proactor;
    const fut = this._address !== null ? proactor.recvInto(sock, this._data) : proactor.recvfromInto(sock, this._data);
    this._readFut = fut;
    fut.addDoneCallback(this._onReadDone);
  }
}

