// Reports made when the garbage collector reclaims an object: asyncio's
// __del__ checks, "Future exception was never retrieved" (futures.py
// Future.__del__, see unretrieved.ts) and "Task was destroyed but it is
// pending!" (tasks.py Task.__del__, see task-registry.ts).
//
// CPython runs __del__ when the last reference goes; here one
// FinalizationRegistry calls back some time after V8 collects the object.
// What it hands the callback (the "held" report) is kept until then, so it
// must never refer to the watched object, or the object could never be
// collected; it holds what the report needs instead. Unlike __del__, the
// callback cannot see (or resurrect) the object itself.
import { logExceptionContext } from './exception-context';
import type { ExceptionContext } from './exception-context';
import type { BaseEventLoop } from './base-event-loop';

/** What to do when a watched object is collected. Must not refer to that object. */
export interface CollectedReport {
  /** Where the report goes: this loop's exception handler, or the logger when null. */
  readonly loop: BaseEventLoop | null;
  /** Called once the object is collected: the context to report, or null for none. */
  collected(): ExceptionContext | null;
}

function deliver(report: CollectedReport): void {
  const context = report.collected();
  if (context === null) return;
  if (report.loop !== null) report.loop.callExceptionHandler(context);
  else logExceptionContext(context);
}

const registry = new FinalizationRegistry<CollectedReport>(deliver);

/**
 * Calls `report.collected()` and reports its context once `target` is
 * collected, unless cancelCollectedReport(token) comes first. Without a
 * token it cannot be cancelled (cheaper: `collected()` may return null).
 */
export function reportWhenCollected(target: object, report: CollectedReport, token?: object): void {
  registry.register(target, report, token);
}

/** Cancels the reports registered with `token`. */
export function cancelCollectedReport(token: object): void {
  registry.unregister(token);
}
