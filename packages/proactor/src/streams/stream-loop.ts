// The loop the stream helpers use: the one given, else the running loop,
// else the shared on-demand loop (../loop/shared-loop.ts), which runs while
// the connection or server is open and lets the process exit once all is
// closed.
import { getRunningLoopOrNull } from '@iocp/futures';

import { holdWhile, sharedLoop } from '../loop/shared-loop';
import type { StreamsLoop } from './open-connection';

function isStreamsLoop(loop: unknown): loop is StreamsLoop {
  return (
    typeof loop === 'object' &&
    loop !== null &&
    typeof (loop as StreamsLoop).createConnection === 'function' &&
    typeof (loop as StreamsLoop).createServer === 'function'
  );
}

/** `given`, else the running loop, else the shared loop. */
export function streamLoop(given: StreamsLoop | undefined, what: string): StreamsLoop {
  if (given !== undefined) {
    if (!isStreamsLoop(given)) throw new TypeError('opts.loop must be an event loop with createConnection and createServer');
    return given;
  }
  const running = getRunningLoopOrNull();
  if (running === null) return sharedLoop();
  if (isStreamsLoop(running)) return running;
  throw new TypeError(`${what} needs a loop with createConnection and createServer, but ${String(running)} is running`);
}

/** Runs `fn` on `loop`, holding the shared loop (if it is that) until it settles. */
export function holdLoopWhile<T>(loop: StreamsLoop, fn: () => Promise<T>): Promise<T> {
  return holdWhile(loop, fn);
}
