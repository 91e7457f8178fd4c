// Spawn rate, one child at a time: @iocp/subprocess beside Node's
// child_process and CPython's asyncio.create_subprocess_exec (issue 12).
// Targets: >= 1.5x Node; and the memory target: children spawned one after
// another leave the process's fd count and RSS flat.
import { allTargets } from '../lib/echo.mjs';
import { memoryTargets, runSpawn, spawnPeers, vsNodeTargets } from '../lib/spawn.mjs';

export const name = 'spawn-seq';
export const order = 50;
export const description =
  'Spawns per second of /bin/true, one after another (spawn, await the exit, repeat)';
export const unit = 'spawns/s';
export const peers = spawnPeers('seq');
export const baseline = 'node';
export const ceiling = [];
export const run = (ctx) => runSpawn(ctx, peers);
export const targets = allTargets(vsNodeTargets(1.5, 'spawns/s'), memoryTargets(8));
