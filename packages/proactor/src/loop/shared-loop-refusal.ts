// The clearer refusal a BaseProactorEventLoop gives when it cannot run
// because the shared on-demand loop (shared-loop.ts) runs. Kept apart from
// shared-loop.ts, which extends BaseProactorEventLoop: this module imports
// no loop class, so base-proactor-event-loop.ts can import it.
import { RuntimeError, getRunningLoopOrNull } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';

/** What the shared loop tells: its identity and what holds it. */
export interface SharedLoopInfo {
  loop: BaseEventLoop;
  holds(): number;
}

let current: SharedLoopInfo | null = null;

/** @internal shared-loop.ts registers the shared loop of this thread. */
export function registerSharedLoop(info: SharedLoopInfo): void {
  current = info;
}

/**
 * The RuntimeError for `loop` trying to run while the shared loop runs, or
 * null when that is not why it cannot run.
 */
export function sharedLoopRefusal(loop: BaseEventLoop): RuntimeError | null {
  const info = current;
  if (info === null || info.loop === loop || getRunningLoopOrNull() !== info.loop) return null;
  const holds = info.holds();
  const what =
    holds > 0
      ? `${holds} transport(s), serving socket(s) or operation(s) made by loop-less calls (createConnection, createServer, openConnection, startServer, ...) are still open`
      : 'it is about to stop (await sharedLoopIdle() first)';
  return new RuntimeError(
    `Cannot run the event loop while another loop is running: the shared on-demand loop runs because ${what}; ` +
      'close them and await sharedLoopIdle(), or make them inside this loop',
  );
}
