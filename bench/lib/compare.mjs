// --compare: what changed between two latest.json files, peer by peer. A
// change smaller than the larger of the two runs' spreads is called noise; a
// peer far off its neighbours in the newer run is flagged.
import fs from 'node:fs';
import { si } from './format.mjs';

export function compareFiles(oldPath, newPath) {
  const load = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
  return compareResults(load(oldPath), load(newPath), oldPath, newPath);
}

export function compareResults(a, b, aName = 'old', bName = 'new') {
  const out = [`Comparing ${aName} (${a.date}, ${a.mode}) with ${bName} (${b.date}, ${b.mode})`];
  for (const key of ['cpu', 'kernel', 'node', 'python', 'iocpBackend']) {
    if (a.system?.[key] !== b.system?.[key])
      out.push(`  system ${key}: ${a.system?.[key]} -> ${b.system?.[key]}`);
  }
  const oldW = new Map(a.workloads.map((w) => [w.name, w]));
  for (const w of b.workloads) {
    const ow = oldW.get(w.name);
    oldW.delete(w.name);
    out.push('', `${w.name} (${w.unit})${ow ? '' : ': new workload'}`);
    if (!ow) continue;
    const oldP = new Map(ow.peers.map((p) => [p.id, p]));
    for (const p of w.peers) {
      const o = oldP.get(p.id);
      const label = p.label.padEnd(30);
      if (!o) {
        out.push(`  ${label} new peer: ${p.status === 'ok' ? si(p.median) : p.status}`);
      } else if (o.status !== 'ok' || p.status !== 'ok') {
        const show = (x) => (x.status === 'ok' ? si(x.median) : `${x.status} (${x.reason})`);
        out.push(
          `  ${label} ${o.status === p.status ? 'still ' : ''}${o.status === p.status ? p.status : `${show(o)} -> ${show(p)}`}`,
        );
      } else {
        const change = (p.median / o.median - 1) * 100;
        const noise = Math.max(o.spreadPct ?? 0, p.spreadPct ?? 0);
        const verdict = Math.abs(change) <= noise ? 'noise' : change > 0 ? 'better' : 'worse';
        const sign = change >= 0 ? '+' : '';
        out.push(
          `  ${label} ${si(o.median).padStart(7)} -> ${si(p.median).padStart(7)}  ${(sign + change.toFixed(1) + '%').padStart(8)}  ${verdict} (spread ${noise.toFixed(1)}%)`,
        );
      }
      if (p.farOff) out[out.length - 1] += '  ⚠ far off its neighbours: investigate';
      oldP.delete(p.id);
    }
    for (const o of oldP.values()) out.push(`  ${o.label.padEnd(30)} gone`);
  }
  for (const w of oldW.values()) out.push('', `${w.name}: not in ${bName}`);
  return out.join('\n');
}
