// Child-stdout throughput: dd writes 64 MiB to its stdout pipe and the peer
// reads it to the end (@iocp: Process.stdout, a StreamReader on the
// proactor's pipe transport; Node: child.stdout 'data'; asyncio:
// StreamReader.read). Target (issue 12): >= 1.0x Node.
import { runSpawn, spawnPeers, vsNodeTargets } from '../lib/spawn.mjs';

export const name = 'subprocess-pipe';
export const order = 52;
export const description =
  'Child stdout throughput: dd writes 64 MiB in 64 KiB blocks to a pipe, the peer reads it to the end, repeat';
export const unit = 'MiB/s';
export const peers = spawnPeers('pipe');
export const baseline = 'node';
export const ceiling = [];
export const run = (ctx) => runSpawn(ctx, peers);
export const targets = vsNodeTargets(1.0, 'child stdout MiB/s');
