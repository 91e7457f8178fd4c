// Accepts per second: connect + close cycles against the echo servers.
import { ECHO_PEERS, runEcho } from '../lib/echo.mjs';

export const name = 'accept-tcp';
export const order = 20;
export const description =
  'TCP accepts over loopback, 16 connects in flight; each connects, shuts its write side, waits for the server to close (so it was accepted), closes';
export const unit = 'accepts/s';
export const peers = ECHO_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) => runEcho(ctx, { mode: 'connect', conns: 16 });
