// "Future exception was never retrieved".
//
// Port of futures.py Future.__del__ (the _log_traceback check). CPython
// logs when a future whose exception nobody looked at is destroyed; here
// the report comes when the garbage collector reclaims such a future (see
// collected-report.ts). A future is registered only when setException() is
// called and unregistered as soon as result(), exception() or an await
// (then()) retrieves the error, so futures that succeed cost nothing. The
// report never refers to the future itself, or the future could never be
// collected (see watchUnretrieved for a subtle way it could). Like
// CPython's, the report comes at an unspecified time after the future
// became unreachable (when V8 collects it).
import { cancelCollectedReport, reportWhenCollected } from './collected-report';
import type { CollectedReport } from './collected-report';
import type { ExceptionContext } from './exception-context';
import type { BaseEventLoop } from './base-event-loop';

interface Unretrieved {
  loop: BaseEventLoop | null;
  kind: string;
  exception: unknown;
  sourceTraceback: string | null;
}

class UnretrievedReport implements CollectedReport {
  constructor(private readonly _held: Unretrieved) {}

  get loop(): BaseEventLoop | null {
    return this._held.loop;
  }

  collected(): ExceptionContext {
    const held = this._held;
    const context: ExceptionContext = {
      message: `${held.kind} exception was never retrieved`,
      exception: held.exception,
    };
    if (held.sourceTraceback !== null) context.source_traceback = held.sourceTraceback;
    return context;
  }
}

/** Watches `future` until unwatch(): if it is collected first, its exception is reported. */
export function watchUnretrieved(future: object, held: Unretrieved): void {
  // V8 formats an error's stack lazily and keeps the captured frames, with
  // their receivers, until then; a Task failing in its own method would be
  // kept alive by its error. Reading `stack` once turns it into a string.
  const error = held.exception;
  if (typeof error === 'object' && error !== null) void (error as { stack?: unknown }).stack;
  reportWhenCollected(future, new UnretrievedReport(held), future);
}

/** Stops watching `future` (its exception was retrieved). */
export function unwatchUnretrieved(future: object): void {
  cancelCollectedReport(future);
}
