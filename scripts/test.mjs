#!/usr/bin/env node
// `pnpm test`: build, typecheck, lint, then the whole jest suite on every
// backend: io_uring and epoll on Linux, and iocp under Wine with the official
// Windows node.exe (see docs/windows-testing.md). A leg that cannot run fails
// the run; the Windows leg can be skipped on a developer machine only with
// IOCP_SKIP_WINDOWS=1, never in CI.
//   --only linux|windows|io_uring|epoll   run just those legs
//   --no-build                             skip build/typecheck/lint
//   -- <jest args>                         passed to jest (e.g. a path filter)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWindowsNode, missingTools, root, wineEnv } from './windows-env.mjs';

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const jestArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
const opts = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
const only = opts.includes('--only') ? opts[opts.indexOf('--only') + 1] : null;
const noBuild = opts.includes('--no-build');
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const outDir = join(root, '.cache', 'test-results');
mkdirSync(outDir, { recursive: true });

const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const results = [];

function run(cmd, args, options = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function step(name, cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`\n${name} failed (exit ${status})`);
    process.exit(status);
  }
}

function countResults(file, leg, status) {
  let passed = 0, failed = 0, total = 0;
  if (existsSync(file)) {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    passed = json.numPassedTests;
    failed = json.numFailedTests;
    total = json.numTotalTests;
    if (!json.success && failed === 0) failed = json.numRuntimeErrorTestSuites || 1;
  } else {
    failed = 1;
  }
  const ok = status === 0 && failed === 0 && total > 0;
  results.push({ leg, passed, failed, total, ok });
  console.log(`\n== leg ${leg}: ${passed} passed, ${failed} failed (${total} tests)${ok ? '' : '  <-- FAILED'}`);
}

const wants = (leg) =>
  !only || only === leg || (only === 'linux' && (leg === 'io_uring' || leg === 'epoll'));

// Kills a leg that hangs (a leaked handle keeps jest alive): a hang is a failure.
const LEG_TIMEOUT_MS = 20 * 60 * 1000;

function linuxLeg(backend) {
  const out = join(outDir, `${backend}.json`);
  rmSync(out, { force: true });
  const status = run(process.execPath, [jestBin, '--ci', '--json', `--outputFile=${out}`, ...jestArgs], {
    env: { ...process.env, IOCP_BACKEND: backend },
    timeout: LEG_TIMEOUT_MS,
  });
  countResults(out, backend, status);
}

function toWine(p) {
  return `Z:${p.replace(/\//g, '\\')}`;
}

function windowsLeg() {
  const missing = missingTools();
  if (missing.length) {
    const msg = `The Windows leg needs: ${missing.join('; ')}.`;
    if (process.env.IOCP_SKIP_WINDOWS === '1' && !inCI) {
      console.warn(`\n${msg}\nIOCP_SKIP_WINDOWS=1: the Windows leg is NOT run.`);
      results.push({ leg: 'iocp (wine)', passed: 0, failed: 0, total: 0, ok: true, skipped: true });
      return;
    }
    console.error(`\n${msg}\nInstall them, or set IOCP_SKIP_WINDOWS=1 to skip this leg on a developer machine.`);
    results.push({ leg: 'iocp (wine)', passed: 0, failed: 1, total: 0, ok: false });
    return;
  }
  if (!noBuild) step('windows cross-build', process.execPath, [join(root, 'scripts', 'turbo.mjs'), 'run', 'build:win']);
  const nodeExe = ensureWindowsNode();
  const out = join(outDir, 'iocp.json');
  const log = join(outDir, 'iocp.log');
  rmSync(out, { force: true });
  // node.exe under Wine must write to a file, never to a pipe (docs/windows-testing.md).
  const native = toWine(join(root, 'packages', 'native', 'prebuilds', 'win32-x64', 'iocp.node'));
  const args = [nodeExe, '-r', toWine(join(root, 'tooling', 'jest-preset', 'windows-realpath.js')),
    toWine(jestBin), '--ci', '--json', `--outputFile=${toWine(out)}`, ...jestArgs];
  console.log(`\n$ wine ${args.join(' ')} > ${log}`);
  const script = `exec wine "$@" > '${log}' 2>&1`;
  const r = spawnSync('sh', ['-c', script, 'sh', ...args], {
    cwd: root, stdio: 'inherit', timeout: LEG_TIMEOUT_MS,
    env: wineEnv({ IOCP_NATIVE_PATH: native, IOCP_BACKEND: 'iocp', FORCE_COLOR: '0' }),
  });
  if (existsSync(log)) process.stdout.write(readFileSync(log, 'utf8'));
  countResults(out, 'iocp (wine)', r.status ?? 1);
}

if (inCI && process.env.IOCP_SKIP_WINDOWS === '1') {
  console.error('IOCP_SKIP_WINDOWS=1 is not allowed in CI: the Windows leg is required.');
  process.exit(1);
}

if (!noBuild) {
  step('build', process.execPath, [join(root, 'scripts', 'turbo.mjs'), 'run', 'build']);
  if (!only) {
    step('typecheck', process.execPath, [join(root, 'scripts', 'turbo.mjs'), 'run', 'typecheck']);
    step('lint', process.execPath, [join(root, 'scripts', 'turbo.mjs'), 'run', 'lint']);
  }
}
if (process.platform === 'linux') {
  if (wants('io_uring')) linuxLeg('io_uring');
  if (wants('epoll')) linuxLeg('epoll');
  if (wants('windows')) windowsLeg();
} else if (process.platform === 'win32') {
  // On a real Windows machine (GitHub's windows-latest) the suite runs natively.
  const out = join(outDir, 'iocp.json');
  const status = run(process.execPath, [jestBin, '--ci', '--json', `--outputFile=${out}`, ...jestArgs]);
  countResults(out, 'iocp', status);
} else {
  console.error(`@iocp supports Linux and Windows, not ${process.platform}`);
  process.exit(1);
}

console.log('\n== Summary');
for (const r of results) {
  console.log(`${r.leg}: ${r.skipped ? 'SKIPPED (IOCP_SKIP_WINDOWS=1)' : `${r.passed} passed, ${r.failed} failed`}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) && results.length > 0 ? 0 : 1);
