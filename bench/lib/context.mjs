// The `ctx` handed to a workload's run(): timing settings, the built C
// programs, cached peer checks, process helpers and the interleaved runner.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSnapshot, otherCpuPct } from './cpu.mjs';
import { onCleanup, pinned, run, startProcess } from './procs.mjs';

/**
 * Settings: full runs use 1.5 s rounds, --quick 0.25 s rounds; both do one
 * warm-up pass and 3 interleaved rounds.
 */
export function settings(quick) {
  return quick
    ? { quick, warmupSeconds: 0.25, roundSeconds: 0.25, rounds: 3 }
    : { quick, warmupSeconds: 0.5, roundSeconds: 1.5, rounds: 3 };
}

export function makeContext({ quick, bins, log, pinning = null }) {
  const checks = new Map();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-bench-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  onCleanup(removeTmp);
  const ctx = {
    ...settings(quick),
    bins,
    log,
    tmpDir,
    /** { server, client } CPUs, or null when processes are not pinned. */
    pinning,

    /** A fresh path under the run's temporary folder (for Unix sockets). */
    tmpPath(name) {
      return path.join(tmpDir, name);
    },

    /** The reason a peer is missing, or null; each peer is checked once per run. */
    check(peer) {
      if (!checks.has(peer.id)) {
        checks.set(
          peer.id,
          Promise.resolve(peer.check ? peer.check(ctx) : null).catch(
            (err) => `check failed: ${err.message}`,
          ),
        );
      }
      return checks.get(peer.id);
    },

    /** Starts a long-lived peer process pinned to the server CPU; resolves when it prints its ready line. */
    start(cmd, args, opts = {}) {
      const [c, a] = pinned('server', cmd, args);
      return startProcess(c, a, opts);
    },

    /** Runs the C load generator pinned to the client CPU and returns its JSON. */
    async loadgen(args, seconds) {
      const bin = bins.loadgen?.path;
      if (!bin) throw new Error(`loadgen ${bins.loadgen?.missing ?? 'not built'}`);
      const [c, a] = pinned('client', bin, [...args, '--duration', String(seconds)]);
      const r = await run(c, a, { timeoutMs: seconds * 1000 + 20000 });
      let out = null;
      try {
        out = JSON.parse(r.stdout);
      } catch {
        // Reported below.
      }
      if (r.code !== 0 || !out) {
        const why =
          out?.error ||
          (out?.count === 0 ? 'nothing completed (the server did not answer)' : r.stderr);
        throw new Error(`loadgen failed (${r.signal ?? 'code ' + r.code}): ${why || 'no output'}`);
      }
      return out;
    },

    /**
     * The measuring loop every workload shares. `entries` are the peers that
     * started ({ peer, pids?, ... }: pids of its long-lived processes);
     * `measure(entry, seconds)` returns { value, extra?, cpu? } (cpu: the CPU
     * seconds the measuring program used). One warm-up pass, then `rounds`
     * rounds, each running every peer once in order (A B C A B C ...). Each
     * sample records how much other work ran meanwhile (extra.otherCpuPct).
     * A peer whose measure throws is marked failed and skipped from then on.
     * Fills and returns `results` ({ [peerId]: { status, samples, extras } }).
     */
    async interleave(
      entries,
      results,
      measure,
      { rounds = ctx.rounds, seconds = ctx.roundSeconds } = {},
    ) {
      const attempt = async (e, secs, keep) => {
        if (results[e.peer.id]?.status === 'failed') return;
        try {
          const before = cpuSnapshot(e.pids);
          const { value, extra, cpu } = await measure(e, secs);
          const other = otherCpuPct(before, cpuSnapshot(e.pids), cpu);
          if (!keep) return;
          const r = (results[e.peer.id] ??= { status: 'ok', samples: [], extras: [] });
          r.samples.push(value);
          r.extras.push({ ...extra, otherCpuPct: other });
        } catch (err) {
          results[e.peer.id] = { status: 'failed', reason: err.message };
          log(`  ${e.peer.id}: failed: ${err.message}`);
        }
      };
      for (const e of entries) await attempt(e, ctx.warmupSeconds, false);
      for (let round = 0; round < rounds; round++) {
        for (const e of entries) await attempt(e, seconds, true);
      }
      return results;
    },

    close: removeTmp,
  };
  return ctx;
}
