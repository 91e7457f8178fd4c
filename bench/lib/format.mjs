// Number formatting shared by the table, the chart and --compare.

/** 1234567 -> "1.23M", 45678 -> "45.7k". */
export function si(x) {
  if (x == null) return '—';
  const a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toPrecision(3) + 'G';
  if (a >= 1e6) return (x / 1e6).toPrecision(3) + 'M';
  if (a >= 1e3) return (x / 1e3).toPrecision(3) + 'k';
  return x.toPrecision(3);
}

export const ratio = (x) => (x == null ? '—' : x >= 10 ? x.toFixed(1) + 'x' : x.toFixed(2) + 'x');
export const micros = (x) =>
  x == null ? '—' : x >= 1000 ? (x / 1000).toFixed(2) + ' ms' : x.toFixed(x >= 100 ? 0 : 1) + ' µs';
export const pct = (x) => (x == null ? '—' : `±${(x / 2).toFixed(1)}%`);
