// TCP echo through the stream layer: 100 connections, 64-byte lines, served
// by StreamReader/StreamWriter (read(n) per chunk, and readline per line)
// with write + drain, beside Node net and asyncio streams.
import { STREAMS_PEERS, peerTargets, runEcho } from '../lib/echo.mjs';

export const name = 'echo-tcp-streams';
export const order = 13;
export const description =
  'TCP echo over loopback through streams (read(n) or readline, write, drain), 100 connections, 64-byte lines';
export const unit = 'round trips/s';
export const peers = STREAMS_PEERS;
export const baseline = 'node';
export const run = (ctx) =>
  runEcho(ctx, { conns: 100, size: 64, newline: true, peers: STREAMS_PEERS });
export const targets = peerTargets(
  [
    'iocp-streams-read-uring',
    'iocp-streams-read-epoll',
    'iocp-streams-line-uring',
    'iocp-streams-line-epoll',
  ].map((peer) => ({ peer, vs: 'node', factor: 1.2, what: 'on 100 connections' })),
);
