// A hand-written SVG bar chart per workload: each peer's median as a ratio to
// the Node peer (or to the workload's ceiling when it has no Node peer), with
// the range of the per-round ratios as a whisker and missing peers as text;
// a peer far off its neighbours is marked in red.
import { ratio, si } from './format.mjs';

const COLORS = { ceiling: '#8c8c8c', node: '#3c873a', python: '#3572a5', iocp: '#e8710a' };
const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(w) {
  const byNode = w.peers.some((p) => p.vsNode != null);
  const key = byNode ? 'vsNode' : 'vsCeiling';
  const ref = byNode
    ? (w.peers.find((p) => p.id === w.baseline)?.label ?? 'Node')
    : 'the C ceiling';
  const ok = w.peers.filter((p) => p.status === 'ok' && p[key] != null);
  // The whisker: the range of the per-round ratios, else the rates' range scaled.
  const range = (p) => p[`${key}Range`] ?? [p.min, p.max].map((v) => (p[key] / p.median) * v);
  const top = Math.max(1, ...ok.map((p) => range(p)[1]));
  const step =
    [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500].find((n) => top / n <= 6) ?? Math.ceil(top / 6);
  const nice = Math.ceil(top / step - 1e-9) * step;
  const W = 760,
    labelW = 230,
    rightW = 150,
    rowH = 26,
    headH = 62;
  const words = w.description.split(' ');
  const desc = ['', ''];
  let line = 0;
  for (const word of words) {
    if (line === 0 && desc[0].length + word.length >= 115) line = 1;
    desc[line] += (desc[line] ? ' ' : '') + word;
  }
  const plotW = W - labelW - rightW;
  const H = headH + rowH * w.peers.length + 30;
  const x = (r) => labelW + (r / nice) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escape(w.name)}: ${escape(w.unit)}, ratio to ${ref}</text>`,
    `<text x="10" y="35" fill="#555">${escape(desc[0])}</text>`,
    `<text x="10" y="50" fill="#555">${escape(desc[1].length > 118 ? desc[1].slice(0, 115) + '...' : desc[1])}</text>`,
  ];
  for (let r = 0; r <= nice + 1e-9; r += step) {
    parts.push(`<line x1="${x(r)}" x2="${x(r)}" y1="${headH}" y2="${H - 24}" stroke="#eee"/>`);
    parts.push(
      `<text x="${x(r)}" y="${H - 10}" text-anchor="middle" fill="#555">${ratio(r)}</text>`,
    );
  }
  w.peers.forEach((p, i) => {
    const y = headH + i * rowH;
    parts.push(`<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escape(p.label)}</text>`);
    if (p.status !== 'ok' || p[key] == null) {
      const why = p.status === 'ok' ? 'no reference' : `${p.status}: ${p.reason ?? ''}`;
      parts.push(
        `<text x="${labelW + 4}" y="${y + 17}" fill="#b00" font-style="italic">${escape(why.slice(0, 90))}</text>`,
      );
      return;
    }
    const color = COLORS[p.kind] ?? '#666';
    parts.push(
      `<rect x="${labelW}" y="${y + 5}" width="${Math.max(1, x(p[key]) - labelW)}" height="${rowH - 10}" fill="${color}"/>`,
    );
    const [lo, hi] = range(p).map(x);
    parts.push(
      `<line x1="${lo}" x2="${hi}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#000"/>`,
    );
    parts.push(
      `<line x1="${lo}" x2="${lo}" y1="${y + 8}" y2="${y + rowH - 8}" stroke="#000"/><line x1="${hi}" x2="${hi}" y1="${y + 8}" y2="${y + rowH - 8}" stroke="#000"/>`,
    );
    // A peer far off its neighbours (summary.mjs) is drawn in red with a warning sign.
    const far = p.farOff
      ? ` fill="#b00" font-weight="bold"><title>far off its neighbours: investigate</title`
      : '';
    parts.push(
      `<text x="${W - rightW + 8}" y="${y + 17}"${far}>${ratio(p[key])} (${si(p.median)}/s)${p.farOff ? ' ⚠' : ''}</text>`,
    );
  });
  parts.push(
    `<line x1="${x(1)}" x2="${x(1)}" y1="${headH - 4}" y2="${H - 24}" stroke="#3c873a" stroke-dasharray="4 3"><title>${escape(ref)}</title></line>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
