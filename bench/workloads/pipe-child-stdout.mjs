// Child stdout pipe throughput: bytes/s read from `cat /dev/zero` (@iocp/subprocess StreamReader vs Node child_process data events vs asyncio StreamReader).
// Issue 12's target: @iocp at least 1.0x Node.
import { runMicro } from '../lib/loop-micro.mjs';
import { ratioTarget, spawnPeers } from '../lib/spawn-peers.mjs';

export const name = 'pipe-child-stdout';
export const order = 62;
export const description =
  'Child stdout pipe throughput: bytes/s read from `cat /dev/zero` (@iocp/subprocess StreamReader vs Node child_process data events vs asyncio StreamReader)';
export const unit = 'bytes/s';
export const peers = spawnPeers('pipe', 'pipe');
export const baseline = 'node';
export const ceiling = [];
export const run = (ctx) => runMicro(ctx, peers);
export const targets = ratioTarget(1.0, 'pipe throughput');
