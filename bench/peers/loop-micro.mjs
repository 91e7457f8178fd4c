// Event-loop micro-benchmarks in Node, as a worker the harness drives.
// Cases:
//   iocp-callsoon  zero-delay loop.callSoon callbacks/s (@iocp/futures BaseEventLoop)
//   setimmediate   the same pattern with setImmediate
//   iocp-future    create, setResult and await a loop.createFuture() Future, per
//                  second, inside a Task (where user code awaits futures)
//   iocp-future-bare  the same outside any Task (no Task is ever made in the
//                  process, so Node's promise hooks stay off)
//   promise        create, resolve and await a plain Promise, per second
//   promise-task   the same inside a Task (loop.runUntilComplete(loop.createTask(...))),
//                  where AsyncLocalStorage has Node's promise hooks on: the fair
//                  baseline for iocp-future
//   thenable       the same with the smallest PromiseLike that honours
//                  Promises/A+, `then(a, b) { return Promise.resolve(this.v).then(a, b) }`:
//                  `await thenable` costs one more job than `await promise` on V8,
//                  so this is the floor for any PromiseLike class
// Callback cases keep 1000 self-rescheduling callbacks in flight; Future and
// Promise cases run one sequential await chain.
// Usage: node loop-micro.mjs --case NAME [--check]
// Prints "READY <case>", then answers each stdin line "run SECONDS" with
// {"count":N,"seconds":S,"rate":R}. --check prints {"ok":...,"reason":...}.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { packageDir, requireIocp } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const which = args[args.indexOf('--case') + 1];
const CHAINS = 1000;
const now = () => performance.now();

/** Abstract members that BaseEventLoop declares in the built .d.ts files. */
function abstractMembers() {
  const dist = path.join(packageDir('@iocp/futures'), 'dist');
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.d.ts')) {
        const text = fs.readFileSync(p, 'utf8');
        const start = text.search(/class BaseEventLoop\b/);
        if (start < 0) continue;
        const body = text.slice(start, text.indexOf('\n}', start));
        for (const m of body.matchAll(
          /^\s*(?:(?:public|protected)\s+)?abstract\s+(?:readonly\s+)?(\w+)/gm,
        ))
          found.push(m[1]);
      }
    }
  };
  if (fs.existsSync(dist)) walk(dist);
  return found;
}

/** A concrete loop (`class L extends BaseEventLoop {}`), or { reason }. */
function makeLoop() {
  let futures;
  try {
    futures = requireIocp('@iocp/futures');
  } catch (err) {
    return { reason: err.missing ?? `@iocp/futures failed to load: ${err.message.split('\n')[0]}` };
  }
  const { BaseEventLoop } = futures;
  if (typeof BaseEventLoop !== 'function')
    return { reason: '@iocp/futures has no BaseEventLoop export' };
  const abstract = abstractMembers();
  if (abstract.length)
    return {
      reason: `BaseEventLoop has abstract members (${abstract.join(', ')}): no concrete loop`,
    };
  const loop = new (class L extends BaseEventLoop {})();
  for (const m of ['callSoon', 'createFuture', 'createTask', 'runUntilComplete']) {
    if (typeof loop[m] !== 'function') return { reason: `BaseEventLoop lacks ${m}()` };
  }
  return { loop };
}

const inLoop = (loop, fn) => loop.runUntilComplete(loop.createTask(() => fn()));

function callbackRound(schedule, seconds) {
  return new Promise((resolve) => {
    let count = 0;
    let live = CHAINS;
    let stopped = false;
    let tEnd = 0;
    const t0 = now();
    const end = t0 + seconds * 1000;
    const cb = () => {
      if (!stopped) {
        count++;
        if ((count & 1023) === 0 && now() >= end) {
          stopped = true;
          tEnd = now();
        }
      }
      if (!stopped) schedule(cb);
      else if (--live === 0) resolve({ count, seconds: (tEnd - t0) / 1000 });
    };
    for (let i = 0; i < CHAINS; i++) schedule(cb);
  });
}

async function awaitRound(make, seconds) {
  let count = 0;
  const t0 = now();
  const end = t0 + seconds * 1000;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 1000; i++) await make(i);
    count += 1000;
    t = now();
  }
  return { count, seconds: (t - t0) / 1000 };
}

function promiseOf(i) {
  let resolve;
  const p = new Promise((r) => (resolve = r));
  resolve(i);
  return p;
}

/** The minimal Promises/A+ thenable: resolves to `v`, handlers never run synchronously. */
class MinimalThenable {
  constructor(v) {
    this.v = v;
  }

  then(a, b) {
    return Promise.resolve(this.v).then(a, b);
  }
}

const thenableOf = (i) => new MinimalThenable(i);

/** Returns { round(seconds) } or { reason }. */
function setUp() {
  if (which === 'setimmediate') return { round: (s) => callbackRound(setImmediate, s) };
  if (which === 'promise') return { round: (s) => awaitRound(promiseOf, s) };
  if (which === 'thenable') return { round: (s) => awaitRound(thenableOf, s) };
  if (!['iocp-callsoon', 'iocp-future', 'iocp-future-bare', 'promise-task'].includes(which))
    return { reason: `unknown case ${which}` };
  const { loop, reason } = makeLoop();
  if (reason) return { reason };
  if (which === 'promise-task')
    return { round: (s) => inLoop(loop, () => awaitRound(promiseOf, s)), loop };
  if (which === 'iocp-callsoon') {
    const schedule = (cb) => loop.callSoon(cb);
    return { round: (s) => inLoop(loop, () => callbackRound(schedule, s)), loop };
  }
  const futureOf = (i) => {
    const f = loop.createFuture();
    f.setResult(i);
    return f;
  };
  if (which === 'iocp-future-bare') return { round: (s) => awaitRound(futureOf, s), loop };
  return { round: (s) => inLoop(loop, () => awaitRound(futureOf, s)), loop };
}

async function smokeTest(round) {
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('a 10 ms round did not finish in 5 s')), 5000).unref(),
  );
  await Promise.race([round(0.01), timeout]);
}

async function main() {
  const state = setUp();
  if (args.includes('--check')) {
    if (!state.reason) {
      try {
        await smokeTest(state.round);
      } catch (err) {
        state.reason = `failed: ${err.message.split('\n')[0]}`;
      }
    }
    process.stdout.write(
      JSON.stringify(state.reason ? { ok: false, reason: state.reason } : { ok: true }) + '\n',
    );
    process.exit(0);
  }
  if (state.reason) {
    process.stderr.write(`loop-micro: ${state.reason}\n`);
    process.exit(1);
  }
  process.stdout.write(`READY ${which}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, secs] = line.trim().split(/\s+/);
    if (cmd !== 'run') continue;
    const { count, seconds } = await state.round(Number(secs));
    process.stdout.write(JSON.stringify({ count, seconds, rate: count / seconds }) + '\n');
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`loop-micro: ${err.stack ?? err}\n`);
  process.exit(1);
});
