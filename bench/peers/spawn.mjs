// The subprocess peers of the spawn-* and subprocess-pipe workloads, as a
// worker the harness drives. Styles:
//   iocp   @iocp/subprocess createSubprocessExec (posix_spawn, exit awaited
//          on a pidfd through the proactor), from plain async code.
//   node   Node's child_process.spawn (libuv: fork/exec helper, SIGCHLD).
// Cases:
//   seq    spawn /bin/true, wait for its exit, repeat: spawns/s.
//   par8   the same with 8 spawns in flight.
//   pipe   spawn `dd if=/dev/zero bs=64k count=1024` (64 MiB to stdout) and
//          read its stdout to the end, repeat: MiB/s through the child's pipe.
// Every round also reports the process's RSS and open fds before and after
// (the memory target: spawning children one after another leaves
// RSS and the fd count flat).
// Usage: node spawn.mjs --style iocp|node --case seq|par8|pipe [--check]
// Prints "READY <style>", then answers each stdin line "run SECONDS" with
// {"count","seconds","rate","rss_mb","rss_mb_before","fds","fds_before"}.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { requireIocp } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const style = opt('--style') ?? 'node';
const which = opt('--case') ?? 'seq';
const TRUE = '/bin/true';
const DD = ['/bin/dd', ['if=/dev/zero', 'bs=65536', 'count=1024']];
const PIPE_BYTES = 65536 * 1024;

function nodeRun(program, argv, readAll) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, {
      stdio: ['ignore', readAll ? 'pipe' : 'ignore', 'ignore'],
    });
    let bytes = 0;
    if (readAll) child.stdout.on('data', (d) => (bytes += d.length));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`exit ${code}`))));
  });
}

function iocpRunner() {
  let sub;
  try {
    sub = requireIocp('@iocp/subprocess');
  } catch (err) {
    return {
      reason: err.missing ?? `@iocp/subprocess failed to load: ${err.message.split('\n')[0]}`,
    };
  }
  if (typeof sub.createSubprocessExec !== 'function') {
    return { reason: '@iocp/subprocess has no createSubprocessExec export' };
  }
  return {
    async run(program, argv, readAll) {
      const p = await sub.createSubprocessExec(program, argv, {
        stdin: 'ignore',
        stdout: readAll ? 'pipe' : 'ignore',
        stderr: 'ignore',
      });
      let bytes = 0;
      if (readAll) {
        for (;;) {
          const chunk = await p.stdout.read(65536);
          if (chunk.length === 0) break;
          bytes += chunk.length;
        }
      }
      const code = await p.wait();
      if (code !== 0) throw new Error(`exit ${code}`);
      return bytes;
    },
  };
}

const runner = style === 'iocp' ? iocpRunner() : { run: nodeRun };
if (args.includes('--check')) {
  process.stdout.write(
    JSON.stringify({ ok: !runner.reason, reason: runner.reason ?? null }) + '\n',
  );
  process.exit(0);
}
if (runner.reason) throw new Error(runner.reason);

const fds = () => fs.readdirSync('/proc/self/fd').length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
const rssMb = () => process.memoryUsage.rss() / 2 ** 20;

async function round(seconds) {
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let count = 0;
  let bytes = 0;
  if (which === 'par8') {
    const lane = async () => {
      while (performance.now() < end) {
        await runner.run(TRUE, [], false);
        count++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  } else {
    while (performance.now() < end) {
      if (which === 'pipe') {
        const n = await runner.run(DD[0], DD[1], true);
        if (n !== PIPE_BYTES) throw new Error(`read ${n} bytes of ${PIPE_BYTES}`);
        bytes += n;
      } else {
        await runner.run(TRUE, [], false);
      }
      count++;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  const rate = which === 'pipe' ? bytes / 2 ** 20 / elapsed : count / elapsed;
  return { count, seconds: elapsed, rate };
}

process.stdout.write(`READY ${style}\n`);
const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  const [cmd, s] = line.trim().split(/\s+/);
  if (cmd !== 'run') return;
  queue = queue.then(async () => {
    // The shared on-demand loop of @iocp closes itself once idle (its
    // ring or epoll fds go a moment after the last child): memory is read
    // once things settled, before and after the round.
    await settle();
    const before = { fds: fds(), rss: rssMb() };
    try {
      const r = await round(Number(s));
      await settle();
      process.stdout.write(
        JSON.stringify({
          ...r,
          rss_mb_before: before.rss,
          rss_mb: rssMb(),
          fds_before: before.fds,
          fds: fds(),
        }) + '\n',
      );
    } catch (err) {
      process.stdout.write(JSON.stringify({ count: 0, error: String(err.message ?? err) }) + '\n');
    }
  });
});
rl.on('close', () => queue.then(() => process.exit(0)));
