// A waitable kernel object for IocpProactor.waitForHandle: an event object on
// Windows, an eventfd on Linux.
import { native } from '@iocp/native';

import { check } from './system-error';

export interface EventOptions {
  /** Stays set until reset() (true, the default), or resets when a wait on it is satisfied. */
  manualReset?: boolean;
  initialState?: boolean;
}

export class Event {
  private _handle: number;
  readonly manualReset: boolean;

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

  get closed(): boolean {
    return this._handle < 0;
  }

  private _live(): number {
    if (this._handle < 0) throw new Error('I/O operation on closed event');
    return this._handle;
  }

  set(): void {
    check(native.eventSet(this._live()), 'SetEvent');
  }

  reset(): void {
    check(native.eventReset(this._live()), 'ResetEvent');
  }

  isSet(): boolean {
    return check(native.eventIsSet(this._live()), 'WaitForSingleObject') === 1;
  }

  close(): void {
    if (this._handle < 0) return;
    const h = this._handle;
    this._handle = -1;
    native.closeHandle(h);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `<Event handle=${this._handle}${this.manualReset ? '' : ' auto-reset'}>`;
  }
}
