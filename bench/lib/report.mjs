// The markdown report: printed after a run and written to docs/bench/results.md.
import { micros, pct, ratio, si } from './format.mjs';

/** One table cell: a single line, pipes escaped, at most `max` characters. */
const esc = (s, max = 200) => {
  const line = String(s).replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
  return line.length > max ? line.slice(0, max - 3) + '...' : line;
};

/** One workload's table (markdown). */
export function workloadTable(w) {
  const latency = w.peers.some((p) => p.p50_us != null);
  const head = [
    'peer',
    w.unit,
    'spread',
    'vs Node',
    'vs C ceiling',
    ...(latency ? ['p50', 'p99'] : []),
  ];
  const rows = w.peers.map((p) => {
    if (p.status !== 'ok') {
      const cells = [
        esc(p.label),
        `**${p.status}**: ${esc(p.reason ?? '')}`,
        '',
        '',
        '',
        ...(latency ? ['', ''] : []),
      ];
      return cells;
    }
    let label = p.note ? `${esc(p.label)} (${esc(p.note)})` : esc(p.label);
    if (p.farOff) label = `⚠ ${label}`;
    return [
      label,
      si(p.median),
      pct(p.spreadPct),
      ratio(p.vsNode),
      ratio(p.vsCeiling),
      ...(latency ? [micros(p.p50_us), micros(p.p99_us)] : []),
    ];
  });
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(head), line(align), ...rows.map(line)].join('\n');
}

/**
 * The warning lines for peers far off their neighbours (summary.mjs
 * markFarOff): such a figure is a bug to investigate, never a result.
 */
export function farOffLines(w) {
  return w.peers.flatMap((p) => {
    const m = p.farOff ?? p.farOffExpected;
    if (!m) return [];
    const what = `${p.label}: ${si(p.median)} ${w.unit}, below 1/10 of ${m.refLabel} (${si(m.refMedian)})`;
    return p.farOff
      ? [`- **WARNING: far off its neighbours: investigate.** ${what}.`]
      : [`- ${what}, as expected: ${m.why}.`];
  });
}

function targetLines(w) {
  return (w.targets ?? []).map(
    (t) => `- Target ${t.met == null ? 'not measured' : t.met ? 'met' : '**not met**'}: ${t.text}`,
  );
}

/** Other work above this (% of one CPU) during a round makes a workload noisy. */
export const NOISY = 50;

/** The whole report. `charts` adds the SVG image links (for docs/bench/results.md). */
export function renderReport(results, { charts = false } = {}) {
  const s = results.system;
  const out = [
    '# @iocp benchmark results',
    '',
    `Run ${results.date} (${results.mode}: ${results.settings.rounds} interleaved rounds of ${results.settings.roundSeconds} s after a ${results.settings.warmupSeconds} s warm-up; ${Math.round(results.elapsedSeconds)} s in all). Made by \`pnpm bench${results.mode === 'quick' ? ' --quick' : ''}\`; see bench/README.md.`,
    '',
    `- CPU: ${s.cpu} (${s.cpus} CPUs, ${s.memoryGiB} GiB); ${s.pinning}`,
    `- Kernel: ${s.os}; io_uring: ${s.ioUring}; @iocp backend: ${s.iocpBackend}`,
    `- Node ${s.node}; ${s.python}; uvloop ${s.uvloop}; liburing ${s.liburing}`,
    `- Other work at start: ${s.busyAtStartPct ?? '?'}% of all CPUs busy${s.busyAtStartPct > 10 ? ' (**the machine was busy: expect noisy numbers**)' : ''}; load average ${s.loadAverage?.join(', ') ?? 'unknown'}`,
    '',
    'Median of the rounds; spread is ±half of (max − min)/median; a ratio is the median of the per-round ratios ' +
      '(peers run back to back in each round). ' +
      'Higher is better. Latency (p50, p99) is per round trip, the median over rounds.',
  ];
  for (const w of results.workloads) {
    out.push('', `## ${w.name}`, '', w.description + '.', '', workloadTable(w));
    const farOff = farOffLines(w);
    if (farOff.length) out.push('', ...farOff);
    if (w.maxOtherCpuPct > NOISY) {
      out.push(
        '',
        `- Other work used up to ${w.maxOtherCpuPct}% of a CPU during a round: **noisy**, compare ratios rather than rates.`,
      );
    }
    const t = targetLines(w);
    if (t.length) out.push('', ...t);
    if (charts) out.push('', `![${w.name}: ratio to Node](${w.name}.svg)`);
  }
  return out.join('\n') + '\n';
}
