// What the selector transports and servers need of their loop.
import type { BaseEventLoop } from '@iocp/futures';

/** A SelectorEventLoop as its transports see it. */
export interface SelectorLoopCore extends BaseEventLoop {
  /** A transport or a serving socket opened (the shared on-demand loop counts them). */
  _resourceOpened(): void;
  /** ... and closed. */
  _resourceClosed(): void;
}
