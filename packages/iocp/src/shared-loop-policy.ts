// The on-demand loop of plain async code follows the event loop policy:
// under WindowsSelectorEventLoopPolicy the shared loop of @iocp/proactor
// (what openConnection, createConnection, startServer, ... run on when no
// loop runs) is a SharedSelectorEventLoop. The hook is @iocp/proactor's
// setSharedLoopFactory; the bookkeeping (holds, the stop check, closing
// when idle) is its OnDemandState, the same as SharedProactorEventLoop's.
import { OnDemandState, idleClosingHook, setSharedLoopFactory } from '@iocp/proactor';
import type { OnDemandHost, OnDemandLoop } from '@iocp/proactor';
import type { Callback, Handle, TimerHandle } from '@iocp/futures';

import { SelectorEventLoop } from './selector/selector-event-loop';

/** The shared on-demand loop under the selector policy. */
export class SharedSelectorEventLoop extends SelectorEventLoop implements OnDemandLoop, OnDemandHost {
  protected override _takesSigint = false;
  /** @internal */
  readonly _onDemand: OnDemandState = new OnDemandState(this, (closing) => idleClosingHook(this, closing));

  override toString(): string {
    return `<SharedSelectorEventLoop running=${this.isRunning()} holds=${this._onDemand.holds}>`;
  }

  /** @internal */
  get _holdCount(): number {
    return this._onDemand.holds;
  }
  override _resourceOpened(): void {
    this._onDemand.hold();
  }
  override _resourceClosed(): void {
    this._onDemand.release('SharedSelectorEventLoop');
  }
  /** @internal */
  _hold(): void {
    this._onDemand.hold();
  }
  /** @internal */
  _release(): void {
    this._onDemand.release('SharedSelectorEventLoop');
  }
  /** @internal */
  _uncountedCallSoon(callback: Callback<[]>): Handle {
    return super.callSoon(callback);
  }
  /** @internal Node's own handles keep the process alive; operations in flight hold the loop. */
  _pendingOperations(): number {
    return 0;
  }
  override callSoon<A extends unknown[]>(callback: Callback<A>, ...args: A): Handle {
    this._onDemand.beforeCallSoon();
    const handle = super.callSoon(callback, ...args);
    this._onDemand.afterCallSoon();
    return handle;
  }
  override callAt<A extends unknown[]>(when: number, callback: Callback<A>, ...args: A): TimerHandle {
    const handle = super.callAt(when, callback, ...args);
    this._onDemand.afterCallAt(handle);
    return handle;
  }
  protected override _processEvents(): void {
    super._processEvents();
    this._onDemand.processEvents();
  }
  whenIdle(): Promise<void> {
    return this._onDemand.whenIdle();
  }
}

/** @internal policies.ts: the shared loop of plain calls becomes a proactor or a selector loop. */
export function installSharedLoopFactory(kind: 'proactor' | 'selector'): void {
  setSharedLoopFactory(kind === 'selector' ? () => new SharedSelectorEventLoop() : null);
}
