// Wake-up latency: a C process and a peer wake each other in turn through
// two eventfds (the Node baseline: a socketpair, Node has no eventfd). The C
// ping-pong of two C processes is the ceiling; the @iocp peers wait with
// IocpProactor.waitForHandle on an Event that the C process sets, loop-less
// and in a Task of a BaseEventLoop, on each Linux backend.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { roundTripSample } from '../lib/echo.mjs';
import { checkPeer, run as runCommand } from '../lib/procs.mjs';

const WAKEUP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers/wakeup.mjs');
const helperMissing = (ctx) => ctx.bins['eventfd-pingpong'].missing ?? null;

/** A peer of peers/wakeup.mjs: `style` is 'node' or 'iocp' (on `backend`, maybe in a Task). */
const wakeupPeer = (id, label, kind, style, { backend, task = false } = {}) => {
  const styleArgs = ['--style', style, ...(task ? ['--task'] : [])];
  const env = backend ? { IOCP_BACKEND: backend } : {};
  return {
    id,
    label,
    kind,
    async check(ctx) {
      return helperMissing(ctx) ?? (await checkPeer([WAKEUP, ...styleArgs, '--check'], { env }));
    },
    command: (ctx) => [
      process.execPath,
      [
        WAKEUP,
        ...styleArgs,
        '--helper',
        ctx.bins['eventfd-pingpong'].path,
        ...(ctx.pinning ? ['--cpu', ctx.pinning.client] : []),
      ],
      env,
    ],
  };
};

export const name = 'wakeup-eventfd';
export const order = 40;
export const description =
  'Cross-CPU wake-ups: a C process sets an eventfd, the peer wakes (@iocp: waitForHandle on an Event; Node: a socketpair) and sets another; a wake-up is half a round trip';
export const unit = 'round trips/s';
export const peers = [
  {
    id: 'c-eventfd',
    label: 'C eventfd ping-pong (ceiling)',
    kind: 'ceiling',
    check: helperMissing,
  },
  wakeupPeer('node', 'Node (socketpair)', 'node', 'node'),
  wakeupPeer('iocp-uring', '@iocp (io_uring)', 'iocp', 'iocp', { backend: 'io_uring' }),
  wakeupPeer('iocp-epoll', '@iocp (epoll)', 'iocp', 'iocp', { backend: 'epoll' }),
  wakeupPeer('iocp-uring-task', '@iocp (io_uring), loop + Task', 'iocp', 'iocp', {
    backend: 'io_uring',
    task: true,
  }),
  wakeupPeer('iocp-epoll-task', '@iocp (epoll), loop + Task', 'iocp', 'iocp', {
    backend: 'epoll',
    task: true,
  }),
];
export const baseline = 'node';
export const ceiling = ['c-eventfd'];

/** The C ping-pong of two C processes; the binary pins them itself (CPU 0 and 1) unless told not to. */
async function measureCeiling(ctx, seconds) {
  const bin = ctx.bins['eventfd-pingpong'].path;
  const r = await runCommand(
    bin,
    ['--duration', String(seconds), ...(ctx.pinning ? [] : ['--no-pin'])],
    { timeoutMs: seconds * 1000 + 10000 },
  );
  if (r.code !== 0) throw new Error(`eventfd-pingpong failed: ${r.stderr || r.code}`);
  return JSON.parse(r.stdout);
}

export async function run(ctx) {
  const results = {};
  const entries = [];
  try {
    for (const peer of peers) {
      const missing = await ctx.check(peer);
      if (missing) {
        results[peer.id] = { status: 'missing', reason: missing };
        continue;
      }
      if (!peer.command) {
        entries.push({ peer });
        continue;
      }
      const [cmd, args, env] = peer.command(ctx);
      try {
        const worker = await ctx.start(cmd, args, { env, readyPrefix: 'READY ' });
        entries.push({ peer, worker, pids: [worker.child.pid] });
      } catch (err) {
        results[peer.id] = { status: 'failed', reason: `worker did not start: ${err.message}` };
      }
    }
    await ctx.interleave(entries, results, async (e, seconds) => {
      const out = e.worker
        ? JSON.parse(await e.worker.request(`run ${seconds}`, seconds * 1000 + 30000))
        : await measureCeiling(ctx, seconds);
      if (!out.count) throw new Error(out.error || 'no round trip completed');
      return roundTripSample(out);
    });
  } finally {
    await Promise.all(entries.filter((e) => e.worker).map((e) => e.worker.stop()));
  }
  return results;
}
