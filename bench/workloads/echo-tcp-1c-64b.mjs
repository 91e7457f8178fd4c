// TCP echo, 1 connection, 64-byte messages: the latency-bound case.
import { ECHO_PEERS, allTargets, echoTarget, protocolTargets, runEcho } from '../lib/echo.mjs';

export const name = 'echo-tcp-1c-64b';
export const order = 10;
export const description =
  'TCP echo over loopback, 1 connection, 64-byte messages (send, wait for the whole echo, repeat)';
export const unit = 'round trips/s';
export const peers = ECHO_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) => runEcho(ctx, { conns: 1, size: 64 });
export const targets = allTargets(
  echoTarget(1, 'on 1 connection'),
  protocolTargets('node', 1, 'on 1 connection'),
);
