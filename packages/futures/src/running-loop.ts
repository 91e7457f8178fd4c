// The process-wide "running loop" of events.py (_get_running_loop and
// friends). asyncio keeps one per OS thread; a Node process runs one
// JavaScript thread, so here at most one loop runs at a time, process-wide
// (per worker thread, as module state is).
import { RuntimeError } from './errors';
import type { BaseEventLoop } from './base-event-loop';

let runningLoop: BaseEventLoop | null = null;

// Port of events.py get_running_loop.
/** The loop whose runForever() is in progress; throws RuntimeError('no running event loop') if none. */
export function getRunningLoop(): BaseEventLoop {
  if (runningLoop === null) throw new RuntimeError('no running event loop');
  return runningLoop;
}

// Port of events.py _get_running_loop.
/** The running loop, or null when none runs (never throws). */
export function getRunningLoopOrNull(): BaseEventLoop | null {
  return runningLoop;
}

/** Internal: called by BaseEventLoop when it starts and stops running. */
export function setRunningLoop(loop: BaseEventLoop | null): void {
  runningLoop = loop;
}
