// Spawn rate, 8 in flight: /bin/true started and awaited (@iocp/subprocess vs Node child_process vs asyncio).
// Issue 12's target: @iocp at least 1.5x Node.
import { runMicro } from '../lib/loop-micro.mjs';
import { ratioTarget, spawnPeers } from '../lib/spawn-peers.mjs';

export const name = 'spawn-8';
export const order = 61;
export const description =
  'Spawn rate, 8 in flight: /bin/true started and awaited (@iocp/subprocess vs Node child_process vs asyncio)';
export const unit = 'spawns/s';
export const peers = spawnPeers('8', 'spawn-8');
export const baseline = 'node';
export const ceiling = [];
export const run = (ctx) => runMicro(ctx, peers);
export const targets = ratioTarget(1.5, 'spawn rate (8 in flight)');
