// Helpers of the reliability tests (load, soak, security): the run's size
// (reduced in `pnpm test`, full under `pnpm test:soak`), child processes
// whose output goes to files (node.exe under Wine dies writing to a pipe),
// and the figures each run prints and keeps for docs/reliability.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { native } from '@iocp/native';

export const isWindows = process.platform === 'win32';
export const isWine = native.isWine();
/** `pnpm test:soak` sets IOCP_SOAK=full: the full load and soak. */
export const full = process.env.IOCP_SOAK === 'full';
export const backend = native.backend;

const resultsDir = path.resolve(__dirname, '..', '..', '..', '..', '.cache', 'test-results');

/** Prints `figures` and keeps them in .cache/test-results/figures-<backend>.json under `name`. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[${backend}] ${name}: ${JSON.stringify(figures)}`);
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `figures-${backend}${full ? '-full' : ''}.json`);
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // No figures yet.
  }
  all[name] = { ...figures, at: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

export interface Child {
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>;
  kill(): void;
}

/**
 * Starts `node script ...args` with stdout and stderr going to files in
 * `dir`. On Linux it runs under `sh -c 'ulimit -n <fds>'` when `fds` is
 * given and above the current limit; a limit that cannot be raised ends the
 * child with code 97 (the hard limit is lower: raise it, or run as root).
 */
export function startNode(dir: string, tag: string, script: string, args: string[], fds?: number): Child {
  const out = fs.openSync(path.join(dir, `${tag}.out`), 'w');
  const err = fs.openSync(path.join(dir, `${tag}.err`), 'w');
  const stdio: ['ignore', number, number] = ['ignore', out, err];
  const child =
    !isWindows && fds !== undefined
      ? spawn(
          'sh',
          ['-c', 'want=$1; shift; [ "$(ulimit -n)" -ge "$want" ] || ulimit -n "$want" || exit 97; exec "$@"', 'sh',
            String(fds), process.execPath, script, ...args],
          { stdio },
        )
      : spawn(process.execPath, [script, ...args], { stdio });
  fs.closeSync(out);
  fs.closeSync(err);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) =>
    child.on('exit', (code, signal) =>
      resolve({ code, signal, err: fs.readFileSync(path.join(dir, `${tag}.err`), 'utf8') }),
    ),
  );
  return { exited, kill: () => child.kill('SIGKILL') };
}

/** fd -> what it is, for this process (Linux), or an empty map. */
export function fdTargets(): Map<string, string> {
  const m = new Map<string, string>();
  if (process.platform !== 'linux') return m;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      m.set(fd, fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The listing's own fd.
    }
  }
  return m;
}

/**
 * The fds in `after` that are not in `before`, each with what the kernel
 * says of its socket (the /proc/net/{tcp,tcp6,unix} line of its inode), to
 * tell which kind of connection a leaked fd was (Linux).
 */
export function newFds(before: Map<string, string>, after: Map<string, string>): string[] {
  const tables = ['tcp', 'tcp6', 'unix'].map((t) => {
    try {
      return [t, fs.readFileSync(`/proc/net/${t}`, 'utf8').split('\n')] as const;
    } catch {
      return [t, [] as string[]] as const;
    }
  });
  return [...after]
    .filter(([fd, target]) => before.get(fd) !== target)
    .map(([fd, target]) => {
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const rows = inode === undefined ? [] : tables.flatMap(([t, lines]) => lines.filter((l) => l.split(/\s+/).includes(inode)).map((l) => `${t}: ${l.trim()}`));
      return `${fd} -> ${target}${rows.length > 0 ? ` (${rows.join('; ')})` : ''}`;
    });
}
