// The loop the stream helpers use when none is given: the running loop,
// else the shared on-demand loop.
import { getRunningLoopOrNull, RuntimeError } from '@iocp/futures';

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
export function streamLoop(given: StreamsLoop | undefined): StreamsLoop {
  if (given !== undefined) {
    if (!isStreamsLoop(given)) throw new TypeError('opts.loop must be an event loop with createConnection and createServer');
    return given;
  }
  const running = getRunningLoopOrNull();
  if (isStreamsLoop(running)) return running;
  // TODO(streams): the shared on-demand loop of ../loop/shared-loop.ts (h/loop).
  throw new RuntimeError('no running event loop');
}
