// Spawn rate with 8 children in flight: @iocp/subprocess beside Node's
// child_process and CPython's asyncio (issue 12). Target: >= 1.5x Node.
import { runSpawn, spawnPeers, vsNodeTargets } from '../lib/spawn.mjs';

export const name = 'spawn-8';
export const order = 51;
export const description = 'Spawns per second of /bin/true, 8 in flight';
export const unit = 'spawns/s';
export const peers = spawnPeers('par8');
export const baseline = 'node';
export const ceiling = [];
export const run = (ctx) => runSpawn(ctx, peers);
export const targets = vsNodeTargets(1.5, 'spawns/s, 8 in flight');
