// Pipe echo, 50 clients, 64-byte messages: @iocp/pipes beside Node net on the same
// pipe name and the C echo servers (on Linux a pipe is a Unix socket).
import { PIPE_PEERS, pipeTargets, runEcho } from '../lib/echo.mjs';

export const name = 'pipe-echo-50c-64b';
export const order = 21;
export const description = 'Pipe echo (Linux: a Unix socket), 50 clients, 64-byte messages';
export const unit = 'round trips/s';
export const peers = PIPE_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) =>
  runEcho(ctx, { conns: 50, size: 64, transport: 'unix', peers: PIPE_PEERS });
export const targets = pipeTargets('node', 1.3, 'on 50 clients');
