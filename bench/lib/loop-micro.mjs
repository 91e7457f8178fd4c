// The event-loop micro-benchmark peers and runner: each peer is a worker
// process (peers/loop-micro.mjs or .py) pinned to the server CPU, started
// once per workload and asked for one measurement per round.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPeer, run } from './procs.mjs';
import { PYTHON } from './system.mjs';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const NODE_MICRO = path.join(PEERS_DIR, 'loop-micro.mjs');
const PY_MICRO = path.join(PEERS_DIR, 'loop-micro.py');

function nodeMissing(which) {
  return checkPeer([NODE_MICRO, '--case', which, '--check']);
}

async function uvloopMissing() {
  const r = await run(PYTHON, ['-c', 'import uvloop'], { timeoutMs: 15000 });
  return r.code === 0
    ? null
    : `python3-uvloop not installed for ${PYTHON} (run: node bench/run.mjs --setup)`;
}

/** A Node worker peer running one case of loop-micro.mjs. */
export const nodeMicro = (id, label, which, kind) => ({
  id,
  label,
  kind,
  check: kind === 'iocp' ? () => nodeMissing(which) : null,
  command: () => [process.execPath, [NODE_MICRO, '--case', which]],
});

/** A Python worker peer running one case of loop-micro.py (asyncio or uvloop). */
export const pyMicro = (id, label, which, uvloop) => ({
  id,
  label,
  kind: 'python',
  check: uvloop ? uvloopMissing : null,
  command: () => [PYTHON, [PY_MICRO, '--case', which, ...(uvloop ? ['--uvloop'] : [])]],
});

/**
 * Starts every available peer's worker (`command(ctx)` -> [cmd, args, env?])
 * and measures them in interleaved rounds: each round sends "run SECONDS"
 * and turns the JSON answer into a sample with `sample` (default: its rate).
 * Used by the loop micro-benchmarks and the subprocess workloads.
 */
export async function runMicro(
  ctx,
  peers,
  { sample = (out) => ({ value: out.rate }), graceMs = 30000 } = {},
) {
  const results = {};
  const started = [];
  try {
    for (const peer of peers) {
      const missing = await ctx.check(peer);
      if (missing) {
        results[peer.id] = { status: 'missing', reason: missing };
        continue;
      }
      const [cmd, args, env] = peer.command(ctx);
      try {
        const worker = await ctx.start(cmd, args, { env, readyPrefix: 'READY ' });
        started.push({ peer, worker, pids: [worker.child.pid] });
      } catch (err) {
        results[peer.id] = { status: 'failed', reason: `worker did not start: ${err.message}` };
      }
    }
    await ctx.interleave(started, results, async (e, seconds) => {
      return sample(JSON.parse(await e.worker.request(`run ${seconds}`, seconds * 1000 + graceMs)));
    });
  } finally {
    await Promise.all(started.map((s) => s.worker.stop()));
  }
  return results;
}
