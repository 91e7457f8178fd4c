// Pipe echo, 10 clients, 64 KiB messages (bulk): @iocp/pipes beside Node net on the same
// pipe name and the C echo servers (on Linux a pipe is a Unix socket), served
// with a Protocol (a new Buffer per chunk, as Node's net) and with a
// BufferedProtocol (reads into one buffer per connection, asyncio's
// protocol for bulk data).
import {
  PIPE_BUFFERED_PEERS,
  PIPE_PEERS,
  allTargets,
  listTargets,
  pipeTargets,
  runEcho,
} from '../lib/echo.mjs';

const PEERS = [...PIPE_PEERS, ...PIPE_BUFFERED_PEERS];

export const name = 'pipe-bulk-10c-64k';
export const order = 22;
export const description = 'Pipe echo (Linux: a Unix socket), 10 clients, 64 KiB messages (bulk)';
export const unit = 'round trips/s';
export const peers = PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) =>
  runEcho(ctx, { conns: 10, size: 65536, transport: 'unix', peers: PEERS });
export const targets = allTargets(
  pipeTargets('ceiling', 0.8, 'at 64 KiB'),
  listTargets(PIPE_BUFFERED_PEERS, 'ceiling', 0.8, 'at 64 KiB'),
);
