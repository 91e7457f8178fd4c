// TCP echo through a Node stream.Duplex: asDuplex(transport) piped into
// itself, beside Node's net.Socket piped into itself; 100 connections x 64 B.
import { DUPLEX_PEERS, peerTargets, runEcho } from '../lib/echo.mjs';

export const name = 'echo-tcp-duplex';
export const order = 14;
export const description =
  'TCP echo over loopback through a Node Duplex piped into itself (asDuplex vs net.Socket), 100 connections, 64-byte messages';
export const unit = 'round trips/s';
export const peers = DUPLEX_PEERS;
export const baseline = 'node';
export const run = (ctx) => runEcho(ctx, { conns: 100, size: 64, peers: DUPLEX_PEERS });
export const targets = peerTargets(
  ['iocp-duplex-uring', 'iocp-duplex-epoll'].map((peer) => ({
    peer,
    vs: 'node',
    factor: 1.0,
    what: 'on 100 connections',
  })),
);
