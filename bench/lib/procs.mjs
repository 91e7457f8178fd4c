// Every process the harness starts goes through here, so that all of them
// are killed at the end of a run, on an error, on Ctrl-C and on the
// watchdog. Servers and workers also exit by themselves when their stdin
// closes (the harness died) and the C programs use PR_SET_PDEATHSIG.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const live = new Set();
const cleanups = [];
let pinning = null; // { server: '0', client: '1' } or null

/** Sets the CPUs that servers and clients are pinned to (null: no pinning). */
export function setPinning(p) {
  pinning = p;
}

/** The command line that runs `cmd` pinned to the server or client CPU. */
export function pinned(role, cmd, args) {
  if (!pinning) return [cmd, args];
  return ['taskset', ['-c', pinning[role], cmd, ...args]];
}

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Registers a synchronous clean-up (e.g. removing a temporary folder) run by killAll. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Kills every live child now (SIGKILL) and runs the clean-ups. Safe to call from an 'exit' handler. */
export function killAll() {
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // Best effort.
    }
  }
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** Kills all children on exit, Ctrl-C, SIGTERM and uncaught errors. */
export function installCleanup() {
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping every process it started\n`);
      killAll();
      process.exit(130);
    });
  }
  const fatal = (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    killAll();
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

/** Kills everything and exits if the run lasts longer than `ms`. */
export function startWatchdog(ms) {
  const timer = setTimeout(() => {
    process.stderr.write(
      `bench: the run exceeded its time bound (${Math.round(ms / 1000)} s); aborting\n`,
    );
    killAll();
    process.exit(3);
  }, ms);
  timer.unref();
}

const tail = (s, n = 600) => (s.length > n ? '...' + s.slice(-n) : s).trim();

/** The most telling line of a crashed program's stderr: its first error line, else its last line. */
export function errorLine(stderr) {
  const lines = String(stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /(Error|Exception)\b|error:|failed|not found/i.test(l) && !/^at /.test(l)) ??
    lines.at(-1) ??
    '';
  return line.length > 300 ? line.slice(0, 297) + '...' : line;
}

/** Runs a command to completion; kills it after `timeoutMs`. Never rejects. */
export function run(cmd, args, { env, timeoutMs = 30000, input } = {}) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let child;
    try {
      child = track(
        spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }),
      );
    } catch (err) {
      resolve({ code: -1, stdout, stderr: String(err.message) });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n(killed after ${timeoutMs} ms)`;
      resolve({ code: code ?? -1, signal, stdout, stderr: tail(stderr) });
    });
  });
}

/**
 * Starts a long-lived process and resolves once it prints a line starting
 * with `readyPrefix` (with the rest of that line as `ready`). Rejects with its
 * stderr if it exits or is not ready within `timeoutMs`. The returned
 * `stop()` closes its stdin, then kills it.
 */
/**
 * Runs a peer's `--check` (a Node script printing one JSON line
 * {"ok":true} or {"ok":false,"reason":...} last): null when it can run,
 * else why not.
 */
export async function checkPeer(args, { env, timeoutMs = 20000 } = {}) {
  const r = await run(process.execPath, args, { env, timeoutMs });
  try {
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    return out.ok ? null : out.reason;
  } catch {
    return `check crashed: ${r.stderr.split('\n')[0]}`;
  }
}

export function startProcess(
  cmd,
  args,
  { env, timeoutMs = 15000, readyPrefix = 'LISTENING ' } = {},
) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    let stderr = '';
    let settled = false;
    const lines = readline.createInterface({ input: child.stdout });
    const waiters = [];
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}${stderr.trim() ? ': ' + errorLine(stderr) : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.on('error', (err) => fail(err.message));
    child.on('exit', (code, signal) => {
      fail(`exited (${signal ?? 'code ' + code})`);
      for (const w of waiters.splice(0))
        w.reject(new Error(`exited (${signal ?? 'code ' + code}): ${errorLine(stderr)}`));
    });
    const handle = {
      child,
      ready: null,
      /** Sends one line and resolves with the next line it prints (worker protocol). */
      request(line, ms = 60000) {
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error(`no answer after ${ms} ms`)), ms);
          waiters.push({
            resolve: (v) => (clearTimeout(t), res(v)),
            reject: (e) => (clearTimeout(t), rej(e)),
          });
          child.stdin.write(line + '\n');
        });
      },
      stop() {
        return new Promise((res) => {
          if (child.exitCode !== null || child.signalCode !== null) return res();
          const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
          child.once('exit', () => (clearTimeout(kill), res()));
          child.stdin.end();
          child.kill('SIGTERM');
        });
      },
    };
    lines.on('line', (line) => {
      if (!settled) {
        if (line.startsWith(readyPrefix)) {
          settled = true;
          clearTimeout(timer);
          handle.ready = line.slice(readyPrefix.length).trim();
          resolve(handle);
        }
        return;
      }
      const w = waiters.shift();
      if (w) w.resolve(line);
    });
  });
}
