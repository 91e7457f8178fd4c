// The subprocess peers (peers/spawn.mjs for @iocp/subprocess and Node's
// child_process, peers/spawn.py for CPython asyncio) and their runner: each
// peer is a worker process pinned to the server CPU, started once per
// workload and asked for one measurement per round.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerTargets } from './echo.mjs';
import { runMicro } from './loop-micro.mjs';
import { checkPeer } from './procs.mjs';
import { PYTHON } from './system.mjs';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const NODE_SPAWN = path.join(PEERS_DIR, 'spawn.mjs');
const PY_SPAWN = path.join(PEERS_DIR, 'spawn.py');

/** The three peers of a case: @iocp on each Linux backend, Node, asyncio. */
export function spawnPeers(which) {
  const iocp = (id, label, backend) => ({
    id,
    label,
    kind: 'iocp',
    check: () =>
      checkPeer([NODE_SPAWN, '--style', 'iocp', '--case', which, '--check'], {
        env: { IOCP_BACKEND: backend },
      }),
    command: () => [
      process.execPath,
      [NODE_SPAWN, '--style', 'iocp', '--case', which],
      { IOCP_BACKEND: backend },
    ],
  });
  return [
    iocp('iocp-uring', '@iocp/subprocess (io_uring)', 'io_uring'),
    iocp('iocp-epoll', '@iocp/subprocess (epoll)', 'epoll'),
    {
      id: 'node',
      label: 'Node child_process',
      kind: 'node',
      check: null,
      command: () => [process.execPath, [NODE_SPAWN, '--style', 'node', '--case', which]],
    },
    {
      id: 'asyncio',
      label: 'asyncio create_subprocess_exec',
      kind: 'python',
      check: null,
      command: () => [PYTHON, [PY_SPAWN, '--case', which]],
    },
  ];
}

/** One sample of a subprocess worker's answer: its rate, with the children and memory as extras. */
function spawnSample(out) {
  if (!out.count) throw new Error(out.error || 'no child completed');
  const { rate, count, error, ...memory } = out;
  return { value: rate, extra: { ...memory, count, error } };
}

/** Starts every available peer's worker and measures them in interleaved rounds. */
export const runSpawn = (ctx, peers) =>
  runMicro(ctx, peers, { sample: spawnSample, graceMs: 60000 });

/** Each @iocp peer's `what` at least `factor` times Node child_process's. */
export const vsNodeTargets = (factor, what) =>
  peerTargets(
    ['iocp-uring', 'iocp-epoll'].map((peer) => ({ peer, vs: 'node', node: 'Node child_process', factor, what })),
  );

/**
 * The @iocp peers' memory over the measured rounds: RSS and fds from the
 * first round's start to the last round's end (the warm-up pass is not a
 * round). Flat: the same fd count, RSS within `rssMb` MiB.
 */
export function memoryTargets(rssMb) {
  return (summary) =>
    ['iocp-uring', 'iocp-epoll'].map((id) => {
      const p = summary.peers.find((x) => x.id === id);
      const text = `${p?.label ?? id}: fds flat and RSS within ${rssMb} MiB over the rounds`;
      const m = p?.memory;
      if (p?.status !== 'ok' || !m?.length) return { text, met: null };
      const first = m[0];
      const last = m[m.length - 1];
      const children = m.reduce((n, r) => n + (r.count ?? 0), 0);
      const rss = last.rssMb - first.rssMbBefore;
      return {
        text: `${text} (fds ${first.fdsBefore} -> ${last.fds}, RSS ${rss >= 0 ? '+' : ''}${rss.toFixed(1)} MiB, ${children} children)`,
        met: last.fds === first.fdsBefore && rss <= rssMb,
      };
    });
}
