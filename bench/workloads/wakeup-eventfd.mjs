// Wake-up latency: the C eventfd ping-pong ceiling. The issue that adds
// waitForHandle adds its @iocp peer (and a Node one) here.
import { run as runCommand } from '../lib/procs.mjs';

export const name = 'wakeup-eventfd';
export const order = 40;
export const description =
  'Cross-CPU wake-ups: two processes ping-pong through two eventfds (blocking read/write); a wake-up is half a round trip';
export const unit = 'round trips/s';
export const peers = [
  {
    id: 'c-eventfd',
    label: 'C eventfd ping-pong (ceiling)',
    kind: 'ceiling',
    check: (ctx) => ctx.bins['eventfd-pingpong'].missing ?? null,
  },
];
export const baseline = null;
export const ceiling = ['c-eventfd'];

export async function run(ctx) {
  const results = {};
  const entries = [];
  for (const peer of peers) {
    const missing = await ctx.check(peer);
    if (missing) results[peer.id] = { status: 'missing', reason: missing };
    else entries.push({ peer });
  }
  // The binary pins its two processes itself (CPU 0 and CPU 1) unless told not to.
  return ctx.interleave(entries, results, async (e, seconds) => {
    const bin = ctx.bins['eventfd-pingpong'].path;
    const r = await runCommand(
      bin,
      ['--duration', String(seconds), ...(ctx.pinning ? [] : ['--no-pin'])],
      {
        timeoutMs: seconds * 1000 + 10000,
      },
    );
    if (r.code !== 0) throw new Error(`eventfd-pingpong failed: ${r.stderr || r.code}`);
    const out = JSON.parse(r.stdout);
    return { value: out.rate, cpu: out.cpu_s, extra: { p50_us: out.p50_us, p99_us: out.p99_us } };
  });
}
