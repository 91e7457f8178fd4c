// Port of tasks.py shield.
import { ensureFuture } from './ensure-future';
import type { Awaitable } from './ensure-future';
import { Future } from './future';
import { checkAwaitable } from './wait-for';

/**
 * A Future that follows `aw` but whose cancellation does not cancel `aw`:
 * `await shield(op)` in a cancelled task throws CancelledError while `op`
 * goes on. If `aw` itself is cancelled, the shield is cancelled too.
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  checkAwaitable(aw, 'aw');
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new Future<T>({ loop: inner.getLoop() });

  const innerDone = (): void => {
    if (outer.cancelled()) {
      // Mark inner's result as retrieved.
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    const exc = inner.exception();
    if (exc !== null) outer.setException(exc);
    else outer.setResult(inner.result());
  };
  const outerDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(innerDone);
  };

  inner.addDoneCallback(innerDone);
  outer.addDoneCallback(outerDone);
  return outer;
}
