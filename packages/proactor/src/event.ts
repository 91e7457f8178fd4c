// A waitable kernel object for IocpProactor.waitForHandle: an event object on
// Windows, an eventfd on Linux.
import { native } from '@iocp/native';

import { check } from './system-error';

/** Options of `new Event()`. */
export interface EventOptions {
  /** Stays set until reset() (true, the default), or resets when a wait on it is satisfied. */
  manualReset?: boolean;
  /** Starts set (default false). */
  initialState?: boolean;
}

/**
 * A waitable kernel event, what CPython's tests make with
 * `_overlapped.CreateEvent` and wait on with `IocpProactor.wait_for_handle`:
 * an event object on Windows (`CreateEvent`), an eventfd on Linux (one
 * counter state, never above 1). Wait on it with
 * `proactor.waitForHandle(event, timeoutMs)`. Not asyncio.Event (a
 * loop-level flag): this one is an OS handle.
 */
export class Event {
  private _handle: number;
  /** Whether the event stays set until reset() (see EventOptions). */
  readonly manualReset: boolean;

  /**
   * Creates the event (Windows `CreateEventW`, Linux `eventfd`).
   * @throws TypeError for a non-boolean option; an OSError when the OS refuses.
   */
  constructor({ manualReset = true, initialState = false }: EventOptions = {}) {
    if (typeof manualReset !== 'boolean') throw new TypeError('manualReset must be a boolean');
    if (typeof initialState !== 'boolean') throw new TypeError('initialState must be a boolean');
    this.manualReset = manualReset;
    this._handle = check(native.eventCreate(manualReset, initialState), 'CreateEvent');
  }

  /** The OS handle (HANDLE on Windows, eventfd on Linux), -1 once closed. */
  get handle(): number {
    return this._handle;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this._handle < 0;
  }

  private _live(): number {
    if (this._handle < 0) throw new Error('I/O operation on closed event');
    return this._handle;
  }

  /**
   * Sets the event, releasing its waiters (`SetEvent`; Linux: writes the eventfd).
   * @throws Error 'I/O operation on closed event' once closed; an OSError from the OS.
   */
  set(): void {
    check(native.eventSet(this._live()), 'SetEvent');
  }

  /**
   * Clears the event (`ResetEvent`; Linux: drains the eventfd).
   * @throws Error 'I/O operation on closed event' once closed; an OSError from the OS.
   */
  reset(): void {
    check(native.eventReset(this._live()), 'ResetEvent');
  }

  /**
   * Whether the event is set now: Windows, a zero-time `WaitForSingleObject`
   * (on an auto-reset event a true answer consumes the signal, as Windows
   * cannot look without waiting); Linux, a `poll` of the eventfd.
   * @throws Error 'I/O operation on closed event' once closed.
   */
  isSet(): boolean {
    return check(native.eventIsSet(this._live()), 'WaitForSingleObject') === 1;
  }

  /** Closes the handle (idempotent). A wait still pending on it should be cancelled first. */
  close(): void {
    if (this._handle < 0) return;
    const h = this._handle;
    this._handle = -1;
    native.closeHandle(h);
  }

  /** `using event = new Event()`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<Event handle=N>` (with ' auto-reset' when not manual-reset). */
  toString(): string {
    return `<Event handle=${this._handle}${this.manualReset ? '' : ' auto-reset'}>`;
  }
}
