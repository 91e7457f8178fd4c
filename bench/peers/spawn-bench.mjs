// Subprocess micro-benchmarks in Node, as a worker the harness drives.
// Cases (ours: @iocp/subprocess on a BaseProactorEventLoop run by hand;
// node: child_process):
//   iocp-spawn-seq / node-spawn-seq   /bin/true started and awaited, one at a time
//   iocp-spawn-8   / node-spawn-8     the same with 8 in flight
//   iocp-pipe      / node-pipe        bytes/s read from a child's stdout
//                                     (`cat /dev/zero`, read for the round)
// Usage: node spawn-bench.mjs --case NAME [--check]
// Prints "READY <case>", then answers each stdin line "run SECONDS" with
// {"count":N,"seconds":S,"rate":R}. --check prints {"ok":...,"reason":...}.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { requireIocp } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const which = args[args.indexOf('--case') + 1];
const TRUE = '/bin/true';
const now = () => performance.now();

function nodeSpawnOnce() {
  return new Promise((resolve, reject) => {
    const c = spawn(TRUE, [], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', resolve);
  });
}

/** Keeps `inFlight` spawns going for `seconds`; resolves to {count, seconds}. */
async function spawnRound(once, inFlight, seconds) {
  const t0 = now();
  const end = t0 + seconds * 1000;
  let count = 0;
  let tEnd = t0;
  async function lane() {
    while (now() < end) {
      await once();
      count += 1;
      tEnd = now();
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { count, seconds: (tEnd - t0) / 1000 };
}

async function nodePipeRound(seconds) {
  const c = spawn('cat', ['/dev/zero'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let bytes = 0;
  const t0 = now();
  await new Promise((resolve) => {
    c.stdout.on('data', (d) => {
      bytes += d.length;
      if (now() - t0 >= seconds * 1000) {
        c.stdout.destroy();
        resolve();
      }
    });
  });
  const elapsed = (now() - t0) / 1000;
  c.kill('SIGKILL');
  await new Promise((resolve) =>
    c.exitCode !== null || c.signalCode !== null ? resolve() : c.on('exit', resolve),
  );
  return { count: bytes, seconds: elapsed };
}

function setUp() {
  if (which.startsWith('node-')) {
    if (which === 'node-pipe') return { round: nodePipeRound };
    const inFlight = which === 'node-spawn-8' ? 8 : 1;
    return { round: (s) => spawnRound(nodeSpawnOnce, inFlight, s) };
  }
  let sub, proactor;
  try {
    sub = requireIocp('@iocp/subprocess');
    proactor = requireIocp('@iocp/proactor');
  } catch (err) {
    return {
      reason: err.missing ?? `@iocp/subprocess failed to load: ${err.message.split('\n')[0]}`,
    };
  }
  const loop = new proactor.BaseProactorEventLoop();
  const inLoop = (fn) => loop.runUntilComplete(() => fn());
  const once = async () => {
    const p = await sub.createSubprocessExec(TRUE, [], {
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
    });
    await p.wait();
  };
  if (which === 'iocp-pipe') {
    return {
      round: (seconds) =>
        inLoop(async () => {
          const p = await sub.createSubprocessExec('cat', ['/dev/zero'], {
            stdout: 'pipe',
            stdin: 'ignore',
          });
          let bytes = 0;
          const t0 = now();
          while (now() - t0 < seconds * 1000) bytes += (await p.stdout.read(1 << 20)).length;
          const elapsed = (now() - t0) / 1000;
          p.kill();
          p._transport.getPipeTransport(1).close();
          await p.wait();
          return { count: bytes, seconds: elapsed };
        }),
    };
  }
  const inFlight = which === 'iocp-spawn-8' ? 8 : 1;
  return { round: (s) => inLoop(() => spawnRound(once, inFlight, s)) };
}

async function main() {
  const state = setUp();
  if (args.includes('--check')) {
    if (!state.reason) {
      try {
        await state.round(0.05);
      } catch (err) {
        state.reason = `failed: ${String(err.message).split('\n')[0]}`;
      }
    }
    process.stdout.write(
      JSON.stringify(state.reason ? { ok: false, reason: state.reason } : { ok: true }) + '\n',
    );
    process.exit(0);
  }
  if (state.reason) {
    process.stderr.write(`spawn-bench: ${state.reason}\n`);
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
  process.stderr.write(`spawn-bench: ${err.stack ?? err}\n`);
  process.exit(1);
});
