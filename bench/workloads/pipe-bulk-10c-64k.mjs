// Pipe echo, 10 clients, 64 KiB messages (bulk): @iocp/pipes beside Node net on the same
// pipe name and the C echo servers (on Linux a pipe is a Unix socket).
import { PIPE_PEERS, pipeTargets, runEcho } from '../lib/echo.mjs';

export const name = 'pipe-bulk-10c-64k';
export const order = 22;
export const description = 'Pipe echo (Linux: a Unix socket), 10 clients, 64 KiB messages (bulk)';
export const unit = 'round trips/s';
export const peers = PIPE_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) =>
  runEcho(ctx, { conns: 10, size: 65536, transport: 'unix', peers: PIPE_PEERS });
export const targets = pipeTargets('ceiling', 0.8, 'at 64 KiB');
