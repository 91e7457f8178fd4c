// TCP echo, 10 connections, 64 KiB messages: bulk bytes through the loop.
import { ECHO_PEERS, allTargets, echoTarget, protocolTargets, runEcho } from '../lib/echo.mjs';

export const name = 'echo-tcp-10c-64k';
export const order = 12;
export const description =
  'TCP echo over loopback, 10 connections, 64 KiB messages (each: send, wait for the whole echo, repeat)';
export const unit = 'round trips/s';
export const peers = ECHO_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) => runEcho(ctx, { conns: 10, size: 65536 });
export const targets = allTargets(
  echoTarget(2, 'at 64 KiB'),
  protocolTargets('ceiling', 0.8, 'at 64 KiB'),
);
