// What machine a run was on: CPU, kernel, runtimes, the @iocp backend, and
// the CPUs that servers and the load generator are pinned to.
import fs from 'node:fs';
import os from 'node:os';
import { run } from './procs.mjs';

/** The Python used for asyncio and uvloop peers: BENCH_PYTHON, else Debian's (which has python3-uvloop). */
export const PYTHON =
  process.env.BENCH_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const first = (s) => String(s).trim().split('\n')[0];

async function version(cmd, args) {
  const r = await run(cmd, args, { timeoutMs: 10000 });
  return r.code === 0 ? first(r.stdout || r.stderr) : null;
}

/** The CPUs this process may run on (sched_getaffinity through taskset). */
async function allowedCpus() {
  const r = await run('taskset', ['-cp', String(process.pid)], { timeoutMs: 5000 });
  const m = r.code === 0 && /list:\s*([\d,-]+)/.exec(r.stdout);
  if (!m) return null;
  const cpus = [];
  for (const part of m[1].split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
}

/** Server on the first allowed CPU, load generator on the second, when there are two. */
export async function choosePinning(disabled) {
  if (disabled) return { pinning: null, why: 'disabled by --no-pin' };
  const cpus = await allowedCpus();
  if (!cpus) return { pinning: null, why: 'taskset not usable' };
  if (cpus.length < 2) return { pinning: null, why: `only ${cpus.length} CPU allowed` };
  const probe = await run('taskset', ['-c', String(cpus[0]), 'true'], { timeoutMs: 5000 });
  if (probe.code !== 0) return { pinning: null, why: `taskset refused: ${first(probe.stderr)}` };
  return { pinning: { server: String(cpus[0]), client: String(cpus[1]) }, why: null };
}

/** The @iocp/native backend this machine picks by default, or why it cannot load. */
async function iocpBackend() {
  const loader = new URL('./iocp-require.mjs', import.meta.url).href;
  const code =
    `import(${JSON.stringify(loader)}).then(m => { try { console.log(m.requireIocp('@iocp/native').backend) }` +
    " catch (e) { console.log('missing: ' + (e.missing ?? e.message.split('\\n')[0])) } })";
  const r = await run(process.execPath, ['--input-type=module', '-e', code], { timeoutMs: 15000 });
  return first(r.stdout) || `missing: ${first(r.stderr)}`;
}

/** The share of all CPUs busy with other work over `ms` (the harness idles meanwhile), or null. */
export async function backgroundBusy(ms = 500) {
  const sample = () => {
    const f =
      fs.existsSync('/proc/stat') &&
      fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return f ? { idle: f[3] + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) } : null;
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  if (!a || !b || b.total === a.total) return null;
  return Math.round((1 - (b.idle - a.idle) / (b.total - a.total)) * 100);
}

export async function systemInfo({ pinning, pinWhy, uringCheck }) {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const [python, pyenvPython, uvloop, liburing, cc, backend] = await Promise.all([
    version(PYTHON, ['--version']),
    version('python3', ['--version']),
    version(PYTHON, ['-c', 'import uvloop; print(uvloop.__version__)']),
    version('pkg-config', ['--modversion', 'liburing']),
    version('cc', ['--version']),
    iocpBackend(),
  ]);
  return {
    cpu: model,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    kernel: os.release(),
    node: process.version,
    python: python ? `${python} (${PYTHON})` : `missing (${PYTHON})`,
    pythonOnPath: pyenvPython,
    uvloop: uvloop ?? 'missing',
    liburing: liburing ?? 'missing',
    ioUring: uringCheck,
    cc,
    iocpBackend: backend,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    busyAtStartPct: await backgroundBusy(),
    pinning: pinning
      ? `server on CPU ${pinning.server}, load generator on CPU ${pinning.client}`
      : `no CPU pinning (${pinWhy})`,
  };
}
