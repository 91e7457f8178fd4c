#!/usr/bin/env node
// `pnpm pack:all [folder]`: the tarballs a release would publish, for
// installing @iocp before it is on the registry (README, "Install"). It
// builds, makes the prebuilds that are missing (`pnpm prebuild`), then packs
// every public package into the folder (default .cache/tarballs):
//   npm install <folder>/*.tgz        (in your project)
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { PREBUILDS, packAll, root } from './lib/packages.mjs';

const dest = resolve(process.argv[2] ?? join(root, '.cache', 'tarballs'));
execFileSync(process.execPath, [join(root, 'scripts', 'turbo.mjs'), 'run', 'build'], { stdio: 'inherit' });
for (const key of PREBUILDS) {
  if (existsSync(join(root, 'packages', 'native', 'prebuilds', key, 'iocp.node'))) continue;
  if (process.platform !== 'linux' && !key.startsWith(process.platform)) {
    console.warn(`pack: no prebuild for ${key} (it is made on Linux); those installs will build from source`);
    continue;
  }
  execFileSync(process.execPath, [join(root, 'scripts', 'prebuild.mjs'), '--only', key.startsWith('win') ? 'win' : 'linux'], { stdio: 'inherit' });
}
rmSync(dest, { recursive: true, force: true });
const packed = packAll(dest);
for (const { tarball } of packed) console.log(tarball);
// pnpm resolves a tarball's own dependencies from the registry, so with
// pnpm every @iocp package is mapped to its tarball.
const overrides = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
console.log(`\nIn your project, with npm:\n  npm install ${dest}/*.tgz`);
console.log(`with pnpm: add to package.json\n  "pnpm": { "overrides": ${JSON.stringify(overrides, null, 2).replace(/\n/g, '\n  ')} }`);
console.log(`then: pnpm add ${dest}/*.tgz`);
