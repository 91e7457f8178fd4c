// Port of asyncio/selector_events.py _SelectorDatagramTransport on a Node
// dgram.Socket: datagramReceived(data, addr) for each datagram, sendto()
// buffered by Node (getWriteBufferSize counts the bytes not yet sent),
// errorReceived(exc) for a failed send or receive, connectionLost once.
import type { RemoteInfo, Socket as DgramSocket } from 'node:dgram';

import { logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import type { BaseProtocol, DatagramProtocol, DatagramTransport, SockAddr, WriteBufferLimits } from '@iocp/proactor';

import { sockAddr } from './addresses';
import type { SelectorLoopCore } from './loop-core';
import { fromNodeError } from './node-error';
import { checkLimits } from './stream-transport';

export class SelectorDatagramTransport implements DatagramTransport {
  private _protocol: BaseProtocol;
  private _closing = false;
  private _lost = false;
  private _buffered = 0;
  private _low: number;
  private _high: number;
  private _protocolPaused = false;

  constructor(
    private readonly _loop: SelectorLoopCore,
    readonly _sock: DgramSocket,
    protocol: BaseProtocol,
    private readonly _address: SockAddr | null,
    waiter: Future<void> | null,
  ) {
    this._protocol = protocol;
    [this._low, this._high] = checkLimits();
    _loop._resourceOpened();
    _sock.on('message', this._onMessage);
    _sock.on('error', this._onError);
    _sock.on('close', this._onClose);
    _loop.callSoon(() => {
      if (!this._lost) (this._protocol as DatagramProtocol).connectionMade?.(this);
    });
    if (waiter !== null) _loop.callSoon(() => { if (!waiter.done()) waiter.setResult(undefined); });
  }

  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    try {
      if (name === 'socket') return this._sock as unknown as T;
      if (name === 'sockname') {
        const a = this._sock.address();
        return sockAddr(a.address, a.port, a.family) as T;
      }
      if (name === 'peername') {
        if (this._address === null) return defaultValue;
        const a = this._sock.remoteAddress();
        return sockAddr(a.address, a.port, a.family) as T;
      }
    } catch {
      return defaultValue;
    }
    return defaultValue;
  }
  isClosing(): boolean {
    return this._closing;
  }
  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }
  getProtocol(): BaseProtocol {
    return this._protocol;
  }
  getWriteBufferSize(): number {
    return this._buffered;
  }
  setWriteBufferLimits(limits?: WriteBufferLimits): void {
    [this._low, this._high] = checkLimits(limits);
  }
  getWriteBufferLimits(): [number, number] {
    return [this._low, this._high];
  }

  // Port of _SelectorDatagramTransport.sendto.
  sendto(data: Uint8Array, addr?: SockAddr | null): void {
    if (!(data instanceof Uint8Array)) throw new TypeError(`data argument must be a bytes-like object, not ${typeof data}`);
    if (this._address !== null && addr != null && !(addr[0] === this._address[0] && addr[1] === this._address[1])) {
      throw new RangeError(`Invalid address: must be null or ${JSON.stringify(this._address)}`);
    }
    if (this._closing) return;
    const copy = Buffer.from(data);
    this._buffered += copy.length;
    const done = (err: Error | null): void => {
      this._buffered -= copy.length;
      if (this._loop.isClosed()) return;
      this._loop.callSoon(() => {
        if (err) (this._protocol as DatagramProtocol).errorReceived?.(fromNodeError(err));
        this._maybeResume();
      });
    };
    if (this._address !== null) this._sock.send(copy, done);
    else if (addr == null) throw new RangeError('addr is required on an unconnected datagram transport');
    else this._sock.send(copy, addr[1] as number, addr[0], done);
    if (this._buffered > this._high && !this._protocolPaused) {
      this._protocolPaused = true;
      this._protocol.pauseWriting?.();
    }
  }

  private _maybeResume(): void {
    if (!this._protocolPaused || this._buffered > this._low) return;
    this._protocolPaused = false;
    this._protocol.resumeWriting?.();
  }

  private readonly _onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => {
      if (!this._closing) (this._protocol as DatagramProtocol).datagramReceived?.(msg, sockAddr(rinfo.address, rinfo.port, rinfo.family));
    });
  };

  private readonly _onError = (err: Error): void => {
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => (this._protocol as DatagramProtocol).errorReceived?.(fromNodeError(err)));
  };

  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._sock.close();
  }
  abort(): void {
    this.close();
  }

  private readonly _onClose = (): void => {
    this._closing = true;
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => {
      if (this._lost) return;
      this._lost = true;
      try {
        this._protocol.connectionLost?.(null);
      } catch (exc) {
        logger.error(`protocol.connectionLost() failed: ${String(exc)}`);
      } finally {
        this._loop._resourceClosed();
      }
    });
  };
}
