// Compiles the C programs of bench/c into bench/.bin with the machine's cc,
// only when a source is newer than its binary.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './procs.mjs';

const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(BENCH, '.bin');

const TARGETS = [
  { name: 'loadgen', src: 'loadgen.c' },
  { name: 'echo-epoll', src: 'echo-epoll.c', deps: ['listen.h'] },
  {
    name: 'echo-uring',
    src: 'echo-uring.c',
    deps: ['listen.h'],
    libs: ['-luring'],
    needs: 'liburing-dev',
  },
  { name: 'eventfd-pingpong', src: 'eventfd-pingpong.c' },
];

const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : -1);

/**
 * Builds every target. Resolves to { [name]: { path } | { missing } }:
 * a target that does not compile is reported missing with the reason.
 */
export async function buildAll(log) {
  fs.mkdirSync(BIN, { recursive: true });
  const out = {};
  for (const t of TARGETS) {
    const bin = path.join(BIN, t.name);
    const sources = [t.src, ...(t.deps ?? [])].map((s) => path.join(BENCH, 'c', s));
    if (mtime(bin) > Math.max(...sources.map(mtime))) {
      out[t.name] = { path: bin };
      continue;
    }
    log(`compiling bench/c/${t.src}`);
    const r = await run('cc', ['-O2', '-Wall', '-o', bin, sources[0], ...(t.libs ?? [])], {
      timeoutMs: 120000,
    });
    if (r.code === 0) {
      out[t.name] = { path: bin };
    } else {
      const why =
        t.needs && /liburing\.h|-luring/.test(r.stderr)
          ? `${t.needs} not installed (run: node bench/run.mjs --setup)`
          : `does not compile: ${r.stderr.split('\n')[0]}`;
      log(`  ${t.name}: ${why}`);
      out[t.name] = { missing: why };
    }
  }
  return out;
}
