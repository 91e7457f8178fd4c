// Port of asyncio/transports.py _FlowControlMixin, with BaseTransport's
// `extra` mapping: the write-side flow control every proactor transport
// shares (high/low water marks, the protocol's pauseWriting/resumeWriting).
import type { BaseProtocol } from '../protocols';
import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { WriteBufferLimits } from './types';

/** asyncio's default high-water mark (64 KiB); the low one is a quarter of the high one. */
const DEFAULT_HIGH_WATER = 64 * 1024;

function checkLimit(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
}

export abstract class FlowControlTransport {
  /** @internal */ readonly _loop: BaseProactorEventLoop;
  /** @internal asyncio's BaseTransport._extra. */
  readonly _extra: Record<string, unknown>;
  /** @internal */ _protocol!: BaseProtocol;
  /** @internal True between the protocol's pauseWriting() and resumeWriting(). */
  _protocolPaused = false;
  /** @internal */ _highWater = DEFAULT_HIGH_WATER;
  /** @internal */ _lowWater = DEFAULT_HIGH_WATER / 4;

  constructor(extra: Record<string, unknown> | undefined | null, loop: BaseProactorEventLoop) {
    this._extra = extra ? { ...extra } : {};
    this._loop = loop;
  }

  // Port of transports.py BaseTransport.get_extra_info.
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return name in this._extra ? (this._extra[name] as T) : defaultValue;
  }

  /** The bytes waiting to be sent. */
  abstract getWriteBufferSize(): number;

  // Port of _FlowControlMixin._maybe_pause_protocol.
  /** @internal */
  _maybePauseProtocol(): void {
    if (this.getWriteBufferSize() <= this._highWater) return;
    if (this._protocolPaused) return;
    this._protocolPaused = true;
    const protocol = this._protocol;
    try {
      protocol.pauseWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({
        message: 'protocol.pause_writing() failed',
        exception: exc,
        transport: this,
        protocol,
      });
    }
  }

  // Port of _FlowControlMixin._maybe_resume_protocol.
  /** @internal */
  _maybeResumeProtocol(): void {
    if (!this._protocolPaused || this.getWriteBufferSize() > this._lowWater) return;
    this._protocolPaused = false;
    const protocol = this._protocol;
    try {
      protocol.resumeWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({
        message: 'protocol.resume_writing() failed',
        exception: exc,
        transport: this,
        protocol,
      });
    }
  }

  /** [low, high], as asyncio's get_write_buffer_limits(). */
  getWriteBufferLimits(): [number, number] {
    return [this._lowWater, this._highWater];
  }

  // Port of _FlowControlMixin._set_write_buffer_limits: high defaults to
  // 64 KiB (or 4 * low), low to high / 4; high >= low >= 0.
  /** @internal */
  _setWriteBufferLimits(highArg?: number | null, lowArg?: number | null): void {
    let high = checkLimit(highArg, 'high');
    let low = checkLimit(lowArg, 'low');
    if (high === undefined) high = low === undefined ? DEFAULT_HIGH_WATER : 4 * low;
    if (low === undefined) low = Math.floor(high / 4);
    if (!(high >= low && low >= 0)) {
      throw new RangeError(`high (${high}) must be >= low (${low}) must be >= 0`);
    }
    this._highWater = high;
    this._lowWater = low;
  }

  // Port of _FlowControlMixin.set_write_buffer_limits.
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    if (typeof limits !== 'object' || limits === null) throw new TypeError('limits must be an object');
    this._setWriteBufferLimits(limits.high, limits.low);
    this._maybePauseProtocol();
  }
}
