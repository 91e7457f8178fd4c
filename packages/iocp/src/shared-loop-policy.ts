// The on-demand loop of plain async code follows the event loop policy:
// under WindowsSelectorEventLoopPolicy the shared loop of @iocp/proactor
// (what openConnection, createConnection, startServer, ... run on when no
// loop runs) is a SharedSelectorEventLoop. The hook is @iocp/proactor's
// setSharedLoopFactory; the bookkeeping (holds, the stop check, closing
// when idle) is its onDemand() mixin, the same as SharedProactorEventLoop's.
import { idleClosingHook, onDemand, setSharedLoopFactory } from '@iocp/proactor';

import { SelectorEventLoop } from './selector/selector-event-loop';

/** The shared on-demand loop under the selector policy. */
export class SharedSelectorEventLoop extends onDemand(SelectorEventLoop, idleClosingHook) {
  protected override _takesSigint = false;

  /** @internal Node's own handles keep the process alive; operations in flight hold the loop. */
  override _pendingOperations(): number {
    return 0;
  }
}

/** @internal policies.ts: the shared loop of plain calls becomes a proactor or a selector loop. */
export function installSharedLoopFactory(kind: 'proactor' | 'selector'): void {
  setSharedLoopFactory(kind === 'selector' ? () => new SharedSelectorEventLoop() : null);
}
