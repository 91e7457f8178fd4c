#!/usr/bin/env node
// `pnpm test:install` (CI runs it after `pnpm test`): installs the packed
// tarballs the way a user would, with no compiler on PATH, and runs them.
//   1. pnpm prebuild (when a prebuild is missing), then pnpm pack every public
//      package into a temporary folder;
//   2. for npm and pnpm 10, each with and without --ignore-scripts, two
//      projects: one that installs only @iocp/pipes (a named-pipe server and
//      client through streams, install-test/pipe-echo.js) and one that
//      installs the `iocp` meta-package (a TCP echo through streams,
//      install-test/tcp-echo.js). PATH holds only node, npm, npx, pnpm and
//      sh, so a source build would fail; each install must also leave no
//      build tooling (cmake-js, node-addon-api, node-api-headers) behind;
//   3. the npm projects' scripts again under Wine with the Windows node.exe,
//      which loads the win32-x64 prebuild from the same node_modules.
//   --no-wine   skip step 3 (a developer machine without Wine)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PREBUILDS, packAll, root } from './lib/packages.mjs';
import { ensureWindowsNode, missingTools, wineEnv } from './windows-env.mjs';

const noWine = process.argv.includes('--no-wine');
const started = Date.now();
const failures = [];
const BUILD_TOOLING = ['cmake-js', 'node-addon-api', 'node-api-headers'];
const HIDDEN = ['gcc', 'g++', 'cc', 'c++', 'cmake', 'make', 'clang', 'x86_64-w64-mingw32-g++-posix'];

function log(msg) {
  console.log(`[install-test ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);
}

// 1. Prebuilds and tarballs.
const prebuildDir = join(root, 'packages', 'native', 'prebuilds');
for (const key of PREBUILDS) {
  if (!existsSync(join(prebuildDir, key, 'iocp.node'))) {
    log(`prebuilds/${key} is missing: pnpm prebuild --only ${key.startsWith('win') ? 'win' : 'linux'}`);
    execFileSync(process.execPath, [join(root, 'scripts', 'prebuild.mjs'), '--only', key.startsWith('win') ? 'win' : 'linux'], { stdio: 'inherit' });
  }
}
const work = mkdtempSync(join(tmpdir(), 'iocp-install-test-'));
const packed = packAll(join(work, 'tarballs'));
const tarballOf = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
log(`packed ${packed.map((p) => p.name).join(', ')}`);

// A PATH with node, npm, npx, pnpm and sh only: no compiler, no cmake, no make.
const bin = join(work, 'bin');
mkdirSync(bin);
for (const tool of ['node', 'npm', 'npx', 'pnpm', 'sh']) {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${tool} is not on PATH`);
  symlinkSync(found, join(bin, tool));
}
const bareEnv = { HOME: process.env.HOME, PATH: bin, npm_config_cache: join(work, 'npm-cache'), CI: 'true' };
for (const tool of HIDDEN) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { env: bareEnv }).status === 0) throw new Error(`${tool} is still on PATH`);
}

function run(cmd, args, cwd, env = bareEnv) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

// 2. Install and run, with each installer.
function makeProject(dir, dependency, pm) {
  mkdirSync(dir, { recursive: true });
  // Every @iocp package resolves to its tarball, never to the registry.
  const manifest = { name: 'iocp-install-test', version: '1.0.0', private: true, dependencies: { [dependency]: tarballOf[dependency] } };
  if (pm === 'npm') manifest.overrides = tarballOf;
  else manifest.pnpm = { overrides: tarballOf };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const script of ['pipe-echo.js', 'tcp-echo.js']) cpSync(join(root, 'scripts', 'install-test', script), join(dir, script));
}

function leftoverTooling(dir) {
  const found = [];
  for (const dep of BUILD_TOOLING) if (existsSync(join(dir, 'node_modules', dep))) found.push(dep);
  const store = join(dir, 'node_modules', '.pnpm');
  if (existsSync(store)) {
    for (const entry of readdirSync(store)) if (BUILD_TOOLING.some((d) => entry.startsWith(`${d}@`))) found.push(entry);
  }
  return found;
}

const cases = [];
for (const pm of ['npm', 'pnpm']) {
  for (const ignoreScripts of [false, true]) {
    for (const [dependency, script] of [['@iocp/pipes', 'pipe-echo.js'], ['iocp', 'tcp-echo.js']]) {
      cases.push({ pm, ignoreScripts, dependency, script });
    }
  }
}
const npmProjects = [];
for (const c of cases) {
  const label = `${c.pm}${c.ignoreScripts ? ' --ignore-scripts' : ''}, ${c.dependency}`;
  const dir = join(work, `${c.pm}${c.ignoreScripts ? '-ignore-scripts' : ''}-${c.dependency.replace(/\W/g, '')}`);
  makeProject(dir, c.dependency, c.pm);
  const args = c.pm === 'npm'
    ? ['install', '--no-audit', '--no-fund', '--offline', ...(c.ignoreScripts ? ['--ignore-scripts'] : [])]
    : ['install', '--offline', '--store-dir', join(work, 'pnpm-store'), ...(c.ignoreScripts ? ['--ignore-scripts'] : [])];
  const install = run(c.pm, args, dir);
  if (!install.ok) {
    failures.push(`${label}: install failed\n${install.out}`);
    log(`FAIL ${label}: install failed`);
    continue;
  }
  const tooling = leftoverTooling(dir);
  if (tooling.length) failures.push(`${label}: the install pulled build tooling: ${tooling.join(', ')}`);
  const result = run('node', [c.script], dir);
  if (!result.ok) failures.push(`${label}: node ${c.script} failed\n${result.out}`);
  log(`${result.ok && !tooling.length ? 'ok  ' : 'FAIL'} ${label}: ${result.out.trim().split('\n').at(-1)}`);
  if (c.pm === 'npm' && !c.ignoreScripts) npmProjects.push({ dir, script: c.script, label });
}

// 3. The same projects under Wine with the Windows node.exe.
function toWine(p) {
  return `Z:${p.replace(/\//g, '\\')}`;
}
if (noWine) {
  log('--no-wine: the Windows runs are NOT done');
} else if (missingTools().some((t) => t.startsWith('wine'))) {
  failures.push('Wine is missing (apt-get install -y wine64); pass --no-wine to skip the Windows runs');
} else {
  const nodeExe = ensureWindowsNode();
  for (const { dir, script, label } of npmProjects) {
    // node.exe under Wine must write to a file, never to a pipe (docs/windows-testing.md).
    const out = join(dir, 'wine.log');
    const env = wineEnv();
    for (const key of ['IOCP_NATIVE_PATH', 'IOCP_BACKEND', 'NODE_OPTIONS']) delete env[key];
    const r = spawnSync('sh', ['-c', `exec wine "$@" > '${out}' 2>&1`, 'sh', nodeExe, toWine(join(dir, script))], {
      cwd: dir, env, timeout: 180_000,
    });
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const ok = r.status === 0 && text.includes('ok on win32');
    if (!ok) failures.push(`${label} under Wine: exit ${r.status}\n${text}`);
    log(`${ok ? 'ok  ' : 'FAIL'} ${label} under Wine (node.exe ${nodeExe.split('/').at(-4)}): ${text.trim().split('\n').at(-1)}`);
  }
}

if (failures.length === 0) rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`\ninstall test FAILED (files kept in ${work}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
log(`install test passed: ${cases.length} installs on Linux${noWine ? '' : ` and ${npmProjects.length} runs under Wine`}`);
