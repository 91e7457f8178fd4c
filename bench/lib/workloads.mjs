// Finds the workloads: every bench/workloads/*.mjs module that exports name,
// description, peers and run (see bench/README.md), ordered by `order`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../workloads');

export async function loadWorkloads() {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.mjs'));
  const all = [];
  for (const f of files) {
    const m = await import(pathToFileURL(path.join(DIR, f)).href);
    const missing = ['name', 'description', 'peers', 'run'].filter((k) => m[k] == null);
    if (missing.length || !Array.isArray(m.peers) || typeof m.run !== 'function') {
      throw new Error(
        `bench/workloads/${f}: must export name, description, peers (array) and run (function)`,
      );
    }
    all.push({ file: f, order: 100, unit: 'ops/s', ...m });
  }
  return all.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/** `--only a,b`: exact names, or prefixes ("echo" selects every echo-* workload). */
export function select(all, only) {
  if (!only) return all;
  const wanted = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const picked = all.filter((w) => wanted.some((o) => w.name === o || w.name.startsWith(o)));
  if (!picked.length)
    throw new Error(
      `--only ${only}: no such workload (have: ${all.map((w) => w.name).join(', ')})`,
    );
  return picked;
}
