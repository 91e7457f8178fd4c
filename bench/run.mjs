#!/usr/bin/env node
// The @iocp benchmark harness (`pnpm bench`). See bench/README.md.
//
//   node bench/run.mjs                 the full suite (under 5 minutes on 2 cores)
//   node bench/run.mjs --quick         short rounds (under 1 minute)
//   node bench/run.mjs --only NAME     one workload (or a comma list, or a prefix)
//   node bench/run.mjs --setup         apt-get install the missing peers (root)
//   node bench/run.mjs --compare OLD.json [--with NEW.json]
//                                      what changed (NEW defaults to latest.json;
//                                      with --quick/--full/--only, runs first)
//   node bench/run.mjs --list          the workloads
//   --no-pin                           do not pin server/client CPUs with taskset
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAll } from './lib/build.mjs';
import { compareFiles, compareResults } from './lib/compare.mjs';
import { makeContext } from './lib/context.mjs';
import { installCleanup, killAll, run, setPinning, startWatchdog } from './lib/procs.mjs';
import { farOffLines, renderReport } from './lib/report.mjs';
import { si } from './lib/format.mjs';
import { setup } from './lib/setup.mjs';
import { summarize } from './lib/summary.mjs';
import { renderChart } from './lib/svg.mjs';
import { choosePinning, systemInfo } from './lib/system.mjs';
import { loadWorkloads, select } from './lib/workloads.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const LATEST = path.join(BENCH, 'results', 'latest.json');
const DOCS = path.join(ROOT, 'docs', 'bench');
const log = (msg) => process.stderr.write(msg + '\n');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    setup: { type: 'boolean', default: false },
    compare: { type: 'string' },
    with: { type: 'string' },
    list: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

async function main() {
  if (opts.help) {
    const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const usage = text
      .split('\n')
      .slice(1)
      .filter((l, i, a) => a.slice(0, i + 1).every((x) => x.startsWith('//')));
    process.stdout.write(usage.map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    return 0;
  }
  const all = await loadWorkloads();
  if (opts.list) {
    for (const w of all) process.stdout.write(`${w.name.padEnd(20)} ${w.description}\n`);
    return 0;
  }
  const wantsRun = opts.quick || opts.full || opts.only != null;
  if (opts.setup) {
    const ok = setup(log);
    if (!wantsRun) return ok ? 0 : 1;
  }
  if (opts.compare && !wantsRun) {
    process.stdout.write(compareFiles(opts.compare, opts.with ?? LATEST) + '\n');
    return 0;
  }
  const old = opts.compare ? JSON.parse(fs.readFileSync(opts.compare, 'utf8')) : null;
  const workloads = select(all, opts.only);
  return runSuite(workloads, old);
}

/** "c-epoll 13.3k, node 12.3k, iocp-uring missing" for the progress log. */
const progressLine = (s) =>
  s.peers.map((p) => `${p.id} ${p.status === 'ok' ? si(p.median) : p.status}`).join(', ');

async function runSuite(workloads, old) {
  installCleanup();
  const quick = opts.quick;
  startWatchdog((quick ? 240 : 900) * 1000);
  const t0 = performance.now();
  const bins = await buildAll(log);
  const { pinning, why } = await choosePinning(opts['no-pin']);
  setPinning(pinning);
  const uring = bins['echo-uring'].path
    ? await run(bins['echo-uring'].path, ['--check'], { timeoutMs: 10000 })
    : null;
  const uringCheck = !uring
    ? 'unknown (C io_uring server not built)'
    : uring.code === 0
      ? 'available'
      : `unavailable (${uring.stdout.trim()})`;
  const system = await systemInfo({ pinning, pinWhy: why, uringCheck });
  const ctx = makeContext({ quick, bins, log, pinning });
  log(
    `bench: ${workloads.length} workload(s), ${quick ? 'quick' : 'full'} mode, ${ctx.rounds} rounds of ${ctx.roundSeconds} s; ${system.pinning}`,
  );
  if (system.busyAtStartPct > 10)
    log(
      `bench: warning: ${system.busyAtStartPct}% of the CPUs are busy with other work; expect noisy numbers`,
    );

  const summaries = [];
  try {
    for (const w of workloads) {
      const start = performance.now();
      log(`[${w.name}] ${w.description}`);
      let results;
      try {
        results = await w.run(ctx);
      } catch (err) {
        log(`[${w.name}] failed: ${err.stack ?? err}`);
        results = Object.fromEntries(
          w.peers.map((p) => [
            p.id,
            { status: 'failed', reason: `workload error: ${err.message}` },
          ]),
        );
      }
      const s = summarize(w, results, (performance.now() - start) / 1000);
      summaries.push(s);
      log(`[${w.name}] done in ${s.seconds.toFixed(1)} s: ${progressLine(s)}`);
      for (const line of farOffLines(s))
        if (line.includes('WARNING')) log(`[${w.name}] ${line.slice(2).replace(/\*\*/g, '')}`);
    }
  } finally {
    ctx.close();
    killAll();
  }

  const results = {
    version: 1,
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    only: opts.only ?? null,
    settings: {
      warmupSeconds: ctx.warmupSeconds,
      roundSeconds: ctx.roundSeconds,
      rounds: ctx.rounds,
    },
    elapsedSeconds: Math.round((performance.now() - t0) / 100) / 10,
    system,
    workloads: summaries,
  };
  fs.mkdirSync(path.dirname(LATEST), { recursive: true });
  fs.writeFileSync(LATEST, JSON.stringify(results, null, 2) + '\n');
  fs.mkdirSync(DOCS, { recursive: true });
  fs.writeFileSync(path.join(DOCS, 'results.md'), renderReport(results, { charts: true }));
  for (const s of summaries) fs.writeFileSync(path.join(DOCS, `${s.name}.svg`), renderChart(s));
  process.stdout.write(renderReport(results));
  log(
    `bench: wrote ${path.relative(ROOT, LATEST)}, docs/bench/results.md and ${summaries.length} chart(s) in ${results.elapsedSeconds} s`,
  );
  if (old)
    process.stdout.write('\n' + compareResults(old, results, opts.compare, 'this run') + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(`bench: ${err.message}`);
    killAll();
    process.exit(1);
  },
);
