#!/usr/bin/env node
// `pnpm prebuild`: the addons that ship inside @iocp/native, in
// packages/native/prebuilds/<platform>-<arch>/iocp.node, where the loader
// (packages/native/src/binding.ts) finds them when the package has no
// build/ of its own. On Linux it makes both: linux-x64 (cmake-js with
// libstdc++ linked statically, so only glibc is needed) and win32-x64 (the
// MinGW-w64 cross build that the Windows leg tests under Wine). On Windows
// it makes win32-x64 with MSVC and the static C runtime.
//   --only linux|win    make one of them
// `pnpm release:check` then fails if a packed @iocp/native lacks either one.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { root } from './lib/packages.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const native = join(root, 'packages', 'native');
const build = (flag) =>
  execFileSync(process.execPath, [join(native, 'scripts', 'build.mjs'), flag], { stdio: 'inherit', cwd: native });

if (process.platform === 'linux') {
  if (only !== 'win') {
    build('--prebuild');
    // The newest glibc symbol version the addon needs: the oldest glibc it loads on.
    const r = spawnSync('objdump', ['-T', join(native, 'prebuilds', 'linux-x64', 'iocp.node')], { encoding: 'utf8' });
    const versions = [...(r.stdout ?? '').matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [+m[1], +m[2]]);
    versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    if (versions.length) console.log(`linux-x64 prebuild needs glibc ${versions.at(-1).join('.')} or newer`);
  }
  if (only !== 'linux') build('--win');
} else if (process.platform === 'win32') {
  build('--prebuild');
} else {
  console.error(`@iocp/native has prebuilds for linux-x64 and win32-x64 only, not ${process.platform}`);
  process.exit(1);
}
