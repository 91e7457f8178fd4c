// Turns a workload's raw per-peer results into what the table, the chart and
// latest.json show: median, spread, and the ratios to Node and to the C
// ceiling. A ratio is the median of the per-round ratios (peer and reference
// measured back to back in the same round, so a slow minute of the machine
// cancels out), or the ratio of medians when the rounds do not line up.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x, digits = 4) =>
  x == null || !Number.isFinite(x) ? null : Number(x.toPrecision(digits));

/** A peer below this fraction of its reference's median is far off its neighbours. */
export const FAR_OFF = 0.1;

/**
 * Marks every peer whose median is below FAR_OFF of its reference's median
 * with `farOff: { ref, refLabel, refMedian, ratio }`: a figure that far from
 * its neighbours is a bug to investigate (a stall, a broken peer), not a
 * result (issue 9: @iocp on io_uring at 64 round trips/s beside Node at
 * 17.5k passed unnoticed). The reference is the Node peer (the baseline),
 * or, for the Node peer itself and in workloads without one, the best C
 * ceiling. A peer declared with `farOffExpected: '<why>'` (a slower
 * language by design) carries the reason instead of the warning.
 */
function markFarOff(workload, peers, node, ceiling) {
  const best = ceiling
    ? peers.find((p) => (workload.ceiling ?? []).includes(p.id) && p.median === ceiling.median)
    : null;
  for (const p of peers) {
    if (p.status !== 'ok') continue;
    const ref = node && p !== node ? node : best;
    if (!ref || ref === p || !(ref.median > 0)) continue;
    const r = p.median / ref.median;
    if (r >= FAR_OFF) continue;
    const expected = workload.peers.find((d) => d.id === p.id)?.farOffExpected;
    const mark = { ref: ref.id, refLabel: ref.label, refMedian: ref.median, ratio: round(r, 3) };
    if (expected) p.farOffExpected = { ...mark, why: expected };
    else p.farOff = mark;
  }
}

/** A summary of one workload; every declared peer appears, whatever its status. */
export function summarize(workload, results, seconds) {
  const peers = workload.peers.map((peer) => {
    const r = results[peer.id] ?? { status: 'failed', reason: 'not run' };
    const base = { id: peer.id, label: peer.label, kind: peer.kind, status: r.status };
    if (r.status !== 'ok') return { ...base, reason: r.reason };
    const med = median(r.samples);
    const extras = r.extras ?? [];
    const pick = (k) => {
      const xs = extras.map((e) => e[k]).filter((x) => typeof x === 'number');
      return xs.length ? round(median(xs)) : undefined;
    };
    const errors = extras.reduce((n, e) => n + (e.errors ?? 0), 0);
    const other = extras.map((e) => e.otherCpuPct).filter((x) => typeof x === 'number');
    const errorText = extras.map((e) => e.error).find(Boolean);
    // Peers that report their own memory (rss_mb, fds before and after each
    // round) keep it per round, for memory targets (spawn-seq).
    const memory = extras
      .filter((e) => typeof e.fds === 'number')
      .map((e) => ({
        rssMbBefore: e.rss_mb_before,
        rssMb: e.rss_mb,
        fdsBefore: e.fds_before,
        fds: e.fds,
        count: e.count,
      }));
    return {
      ...base,
      median: round(med, 6),
      min: round(Math.min(...r.samples), 6),
      max: round(Math.max(...r.samples), 6),
      spreadPct: round(((Math.max(...r.samples) - Math.min(...r.samples)) / med) * 100, 3),
      samples: r.samples.map((x) => round(x, 6)),
      p50_us: pick('p50_us'),
      p99_us: pick('p99_us'),
      otherCpuPct: other.length ? other : undefined,
      memory: memory.length ? memory : undefined,
      ...(errors ? { errors, note: `${errors} errors (${errorText ?? 'see loadgen'})` } : {}),
    };
  });
  const ok = (id) => peers.find((p) => p.id === id && p.status === 'ok');
  const node = workload.baseline ? ok(workload.baseline) : null;
  const ceilings = (workload.ceiling ?? []).map(ok).filter(Boolean);
  // The ceiling of each round is the best ceiling peer in that round.
  const ceilingSamples = ceilings.length
    ? ceilings[0].samples.map((_, i) => Math.max(...ceilings.map((c) => c.samples[i] ?? -Infinity)))
    : null;
  const ceiling = ceilings.length
    ? { median: Math.max(...ceilings.map((c) => c.median)), samples: ceilingSamples }
    : null;
  /** [median, min, max] of the per-round ratios of p to ref (or the ratio of medians). */
  const ratioTo = (p, ref) => {
    if (!ref) return [null];
    if (p.samples.length === ref.samples.length && ref.samples.every((x) => x > 0)) {
      const rs = p.samples.map((x, i) => x / ref.samples[i]);
      return [median(rs), Math.min(...rs), Math.max(...rs)].map((x) => round(x, 3));
    }
    return [round(p.median / ref.median, 3)];
  };
  for (const p of peers) {
    if (p.status !== 'ok') continue;
    const [vsNode, ...nodeRange] = ratioTo(p, node);
    const [vsCeiling, ...ceilingRange] = ratioTo(p, ceiling);
    Object.assign(p, { vsNode, vsCeiling });
    if (nodeRange.length) p.vsNodeRange = nodeRange;
    if (ceilingRange.length) p.vsCeilingRange = ceilingRange;
  }
  markFarOff(workload, peers, node, ceiling);
  const summary = {
    name: workload.name,
    description: workload.description,
    unit: workload.unit,
    baseline: workload.baseline ?? null,
    ceiling: workload.ceiling ?? [],
    seconds: round(seconds, 3),
    peers,
    maxOtherCpuPct: Math.max(0, ...peers.flatMap((p) => p.otherCpuPct ?? [])),
  };
  if (typeof workload.targets === 'function') summary.targets = workload.targets(summary);
  return summary;
}
