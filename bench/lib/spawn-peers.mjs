// The subprocess benchmark peers: workers (peers/spawn-bench.mjs and .py)
// started once per workload and asked for one measurement per round, run
// by runMicro (loop-micro.mjs) like the loop micro-benchmarks.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPeer } from './procs.mjs';
import { PYTHON } from './system.mjs';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const NODE_BENCH = path.join(PEERS_DIR, 'spawn-bench.mjs');
const PY_BENCH = path.join(PEERS_DIR, 'spawn-bench.py');

/** @iocp/subprocess, Node child_process and asyncio for one case (iocp/node case names; the Python one). */
export function spawnPeers(nodeCase, pyCase) {
  return [
    {
      id: 'iocp',
      label: '@iocp/subprocess',
      kind: 'iocp',
      check: () => checkPeer([NODE_BENCH, '--case', `iocp-${nodeCase}`, '--check']),
      command: () => [process.execPath, [NODE_BENCH, '--case', `iocp-${nodeCase}`]],
    },
    {
      id: 'node',
      label: 'Node child_process',
      kind: 'node',
      check: null,
      command: () => [process.execPath, [NODE_BENCH, '--case', `node-${nodeCase}`]],
    },
    {
      id: 'asyncio',
      label: 'asyncio create_subprocess_exec',
      kind: 'python',
      check: null,
      command: () => [PYTHON, [PY_BENCH, '--case', pyCase]],
    },
  ];
}

/** The target for a workload: @iocp at least `ratio` x Node. */
export function ratioTarget(ratio, what) {
  return (summary) => {
    const iocp = summary.peers.find((p) => p.id === 'iocp');
    const node = summary.peers.find((p) => p.id === 'node');
    if (iocp?.status !== 'ok' || node?.status !== 'ok')
      return [{ text: `${what} >= ${ratio}x Node`, met: null }];
    const r = iocp.median / node.median;
    return [{ text: `${what} >= ${ratio}x Node (measured ${r.toFixed(2)}x)`, met: r >= ratio }];
  };
}
