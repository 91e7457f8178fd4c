// The wake-up peers of the wakeup-eventfd workload, as a worker the harness
// drives. Each round it starts the C program (eventfd-pingpong --fds 3,4)
// with two descriptors inherited as fds 3 (PING) and 4 (PONG): the C side
// signals PING, this process wakes and signals PONG, the C side wakes; the C
// side times the round trips (a wake-up of this process is half of one) and
// its JSON line is the answer. Styles:
//   iocp        two @iocp/proactor Events (eventfds): an auto-reset PING that
//               this process waits on with IocpProactor.waitForHandle(ping),
//               and a PONG it set()s; loop-less (plain async function), on the
//               backend IOCP_BACKEND forces. What is timed on this side is the
//               wake-up path: the eventfd turns readable -> the proactor sees
//               it -> the wait's Future resolves -> the await resumes.
//   iocp --task the same wait loop as a Task of a BaseEventLoop subclass
//               (proactor.setLoop(loop), loop.runForever()).
//   node        the Node baseline: no eventfd in Node, so a socketpair that
//               the child inherits (spawn stdio 'pipe'), read with a 'data'
//               listener that writes the answer: libuv's wake-up path.
// Usage: node wakeup.mjs --style iocp|node [--task] --helper PATH [--cpu N] [--check]
// Prints "READY <style>", then answers each stdin line "run SECONDS" with the
// C program's JSON ({"rate","p50_us","p99_us","cpu_s","error",...}).
// --check prints {"ok":...,"reason":...}. Exits when stdin closes.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { loadIocp, makeLoop, printCheck, spawnTask } from '../lib/iocp-peer.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const style = opt('--style') ?? 'iocp';
const withTask = args.includes('--task');
const helper = opt('--helper');
const cpu = opt('--cpu');

/**
 * Runs the C side for `seconds` with `fds` as its fds 3 and 4 (numbers, or
 * 'pipe' for a socketpair); `attach(child)` wires this side's answer.
 * Resolves with the C program's JSON line.
 */
function runHelper(seconds, fds, attach = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      helper,
      ['--fds', '3,4', '--duration', String(seconds), ...(cpu ? ['--cpu', cpu] : ['--no-pin'])],
      { stdio: ['ignore', 'pipe', 'pipe', ...fds] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    attach(child);
    child.on('close', (code, signal) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (line.startsWith('{')) resolve(line);
      else reject(new Error(`eventfd-pingpong ${signal ?? 'code ' + code}: ${stderr.trim()}`));
    });
  });
}

/** The @iocp side: one wait-then-set loop for the life of the process. */
function iocpSide({ proactorPkg, futuresPkg }) {
  const { IocpProactor, Event } = proactorPkg;
  const proactor = new IocpProactor();
  const ping = new Event({ manualReset: false });
  const pong = new Event();
  // The C side drains PONG when it reads it, and never signals PING again
  // before PONG, so a wait left pending between rounds picks up the next one.
  const answer = async () => {
    for (;;) {
      await proactor.waitForHandle(ping);
      pong.set();
    }
  };
  if (withTask) {
    const loop = makeLoop(futuresPkg, proactor);
    spawnTask(loop, answer, 'wakeup answer');
    loop.runForever().catch((err) => {
      process.stderr.write(`wakeup: ${err.stack ?? err}\n`);
      process.exit(1);
    });
  } else {
    answer().catch((err) => {
      process.stderr.write(`wakeup: ${err.stack ?? err}\n`);
      process.exit(1);
    });
  }
  return (seconds) => runHelper(seconds, [ping.handle, pong.handle]);
}

/** The Node baseline: a socketpair per round, answered from a 'data' listener. */
function nodeSide() {
  const answerBuf = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  return (seconds) =>
    runHelper(seconds, ['pipe', 'pipe'], (child) => {
      const [, , , pingIn, pongOut] = child.stdio;
      let bytes = 0;
      pingIn.on('data', (chunk) => {
        // Each 8 bytes received is one ping; answer each with 8 bytes.
        bytes += chunk.length;
        for (; bytes >= 8; bytes -= 8) pongOut.write(answerBuf);
      });
      pingIn.on('error', () => {});
      pongOut.on('error', () => {});
    });
}

function setUp() {
  if (!helper) return { reason: '--helper PATH is required' };
  if (style === 'node') return { round: nodeSide() };
  if (style !== 'iocp') return { reason: `unknown style ${style}` };
  const loaded = loadIocp({ loop: withTask });
  if (loaded.reason) return loaded;
  return { round: iocpSide(loaded), backend: loaded.backend };
}

async function main() {
  if (args.includes('--check')) {
    // Loading is enough here: a wake-up path that breaks fails its round.
    printCheck(style === 'node' ? { backend: 'node' } : loadIocp({ loop: withTask }));
    process.exit(0);
  }
  const state = setUp();
  if (state.reason) {
    process.stderr.write(`wakeup: ${state.reason}\n`);
    process.exit(1);
  }
  process.stdout.write(`READY ${style}${withTask ? ' task' : ''}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, secs] = line.trim().split(/\s+/);
    if (cmd !== 'run') continue;
    try {
      process.stdout.write((await state.round(Number(secs))) + '\n');
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: err.message, count: 0 }) + '\n');
    }
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`wakeup: ${err.stack ?? err}\n`);
  process.exit(1);
});
