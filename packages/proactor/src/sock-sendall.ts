// BaseProactorEventLoop.sockSendall: sends until every byte is out. A
// stream send through IocpProactor completes with its whole length, but a
// short count (a datagram socket, an OS that took less) is followed by a
// send of the rest, as socket.sendall does.
import type { Future } from '@iocp/futures';

import type { BaseProactorEventLoop } from './base-proactor-event-loop';
import type { Socket } from './socket';

export class SendAll {
  readonly result: Future<void>;
  private offset = 0;
  private current: Future<number> | null = null;

  constructor(
    private readonly loop: BaseProactorEventLoop,
    private readonly sock: Socket,
    private readonly data: Uint8Array,
  ) {
    this.result = loop.createFuture<void>();
    this.result.addDoneCallback(this.onResultDone);
    this.sendRest();
  }

  private sendRest(): void {
    const data = this.data;
    for (;;) {
      if (this.offset >= data.length) {
        this.result.setResult(undefined);
        return;
      }
      const view = this.offset === 0 ? data : data.subarray(this.offset);
      let fut: Future<number>;
      try {
        fut = this.loop._proactor.send(this.sock, view);
      } catch (exc) {
        this.result.setException(exc as Error);
        return;
      }
      if (!fut.done()) {
        this.current = fut;
        fut.addDoneCallback(this.onSent);
        return;
      }
      if (!this.take(fut)) return;
    }
  }

  /** Counts what a finished send took; false when it failed (the result has its error). */
  private take(fut: Future<number>): boolean {
    if (fut.cancelled()) {
      if (!this.result.done()) this.result.cancel();
      return false;
    }
    const exc = fut.exception();
    if (exc !== null) {
      if (!this.result.done()) this.result.setException(exc);
      return false;
    }
    this.offset += fut.result();
    return true;
  }

  private readonly onSent = (fut: Future<number>): void => {
    this.current = null;
    if (this.result.done()) return;
    if (this.take(fut)) this.sendRest();
  };

  /** Cancelling the result cancels the send in flight. */
  private readonly onResultDone = (result: Future<void>): void => {
    if (result.cancelled()) this.current?.cancel();
  };
}
