#!/usr/bin/env node
// The package's install script. On linux-x64 (glibc) and win32-x64 the
// package ships a prebuilt addon (prebuilds/<platform>-<arch>/iocp.node,
// loaded by src/binding.ts), so this does nothing: no compiler, no build
// tooling, nothing downloaded. Elsewhere (another arch, musl libc), or with
// `npm rebuild @iocp/native --build-from-source`, it builds from source with
// cmake-js into build/Release, which the loader tries first; when a tool is
// missing it says what to install and fails. Inside the @iocp monorepo the
// build task builds the addon instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const key = `${process.platform}-${process.arch}`;
const prebuilt = join(root, 'prebuilds', key, 'iocp.node');
const inMonorepo = existsSync(join(root, '..', '..', 'turbo.json'));
const fromSource = /^(1|true)$/i.test(process.env.npm_config_build_from_source ?? '');
// A glibc build does not load on musl (Alpine): glibcVersionRuntime is absent there.
const musl = process.platform === 'linux' && !process.report?.getReport?.().header?.glibcVersionRuntime;

if (inMonorepo) process.exit(0);
if (existsSync(prebuilt) && !fromSource && !musl) process.exit(0);

const why = fromSource ? 'building from source (--build-from-source)' : `no prebuilt addon for ${key}${musl ? ' with musl libc' : ''}`;
console.log(`@iocp/native: ${why}; building it with cmake-js.`);

const missing = [];
const has = (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0;
if (!has('cmake')) missing.push('cmake 3.15 or newer');
if (process.platform !== 'win32' && !has('c++') && !has('g++')) missing.push('a C++17 compiler (g++ 9 or newer) and make');
const require = createRequire(join(root, 'package.json'));
for (const dep of ['cmake-js', 'node-addon-api', 'node-api-headers']) {
  try {
    require.resolve(`${dep}/package.json`);
  } catch {
    missing.push(`the npm package ${dep}`);
  }
}
if (missing.length) {
  console.error(
    [
      `@iocp/native: cannot build from source: missing ${missing.join(', ')}.`,
      'To build it:',
      '  1. the toolchain: Debian/Ubuntu `apt-get install cmake g++ make`; Alpine `apk add cmake g++ make`;',
      '     Windows: Visual Studio Build Tools (C++ workload) and CMake;',
      '  2. the build tooling, in your project (optional peer dependencies of @iocp/native):',
      '     npm install --save-dev cmake-js@^7.4.0 node-addon-api@^8.5.0 node-api-headers@^1.8.0',
      '  3. then: npm rebuild @iocp/native',
    ].join('\n'),
  );
  process.exit(1);
}
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
