// TCP echo, 10 connections, 64 KiB messages: bulk bytes through the loop
// (with the BufferedProtocol peers too: asyncio's protocol for bulk data).
import {
  ECHO_BUFFERED_PEERS,
  ECHO_PEERS,
  allTargets,
  listTargets,
  echoTarget,
  protocolTargets,
  runEcho,
} from '../lib/echo.mjs';

const PEERS = [...ECHO_PEERS, ...ECHO_BUFFERED_PEERS];

export const name = 'echo-tcp-10c-64k';
export const order = 12;
export const description =
  'TCP echo over loopback, 10 connections, 64 KiB messages (each: send, wait for the whole echo, repeat)';
export const unit = 'round trips/s';
export const peers = PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) => runEcho(ctx, { conns: 10, size: 65536, peers: PEERS });
export const targets = allTargets(
  echoTarget(2, 'at 64 KiB'),
  protocolTargets('ceiling', 0.8, 'at 64 KiB'),
  listTargets(ECHO_BUFFERED_PEERS, 'ceiling', 0.8, 'at 64 KiB'),
);
