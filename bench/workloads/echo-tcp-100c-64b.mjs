// TCP echo, 100 connections, 64-byte messages: many small requests at once.
import { ECHO_PEERS, allTargets, echoTarget, protocolTargets, runEcho } from '../lib/echo.mjs';

export const name = 'echo-tcp-100c-64b';
export const order = 11;
export const description =
  'TCP echo over loopback, 100 connections, 64-byte messages (each: send, wait for the whole echo, repeat)';
export const unit = 'round trips/s';
export const peers = ECHO_PEERS;
export const baseline = 'node';
export const ceiling = ['c-epoll', 'c-uring'];
export const run = (ctx) => runEcho(ctx, { conns: 100, size: 64 });
export const targets = allTargets(
  echoTarget(1.3, 'on 100 connections'),
  protocolTargets('node', 1.3, 'on 100 connections'),
  protocolTargets('ceiling', 0.85, 'on 100 connections'),
);
