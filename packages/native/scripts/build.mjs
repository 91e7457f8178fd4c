#!/usr/bin/env node
// Builds the addon.
//   node scripts/build.mjs            host build with cmake-js -> build/Release/iocp.node
//   node scripts/build.mjs --win      win32-x64 cross build with MinGW-w64
//                                     -> prebuilds/win32-x64/iocp.node
//   node scripts/build.mjs --asan     host build with AddressSanitizer + UBSan
//                                     -> build-asan/iocp.node
//   --debug                           Debug instead of Release
// Nothing is downloaded: node-api-headers and node-addon-api come from npm.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(join(root, 'package.json'));
const args = new Set(process.argv.slice(2));
const buildType = args.has('--debug') ? 'Debug' : 'Release';
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));

function run(cmd, argv, opts = {}) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  execFileSync(cmd, argv, { stdio: 'inherit', cwd: root, ...opts });
}

function need(tool, apt) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.error(`@iocp/native: '${tool}' is missing. Install it with: apt-get install -y ${apt}`);
    process.exit(1);
  }
}

function hostBuild() {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  run(process.execPath, [
    cmakeJs, 'compile', '--out', 'build', '--config', buildType, '--parallel', jobs,
    `--CDIOCP_NATIVE_VERSION=${version}`,
  ]);
}

function asanBuild() {
  const out = join(root, 'build-asan');
  const api = require('node-api-headers').include_dir;
  run('cmake', ['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=Debug', '-DIOCP_SANITIZE=address,undefined',
    `-DIOCP_NODE_API_INCLUDE=${api}`, `-DIOCP_NATIVE_VERSION=${version}`]);
  run('cmake', ['--build', out, '--parallel', jobs]);
}

function windowsBuild() {
  need('x86_64-w64-mingw32-g++-posix', 'g++-mingw-w64-x86-64');
  need('x86_64-w64-mingw32-dlltool', 'binutils-mingw-w64-x86-64');
  const out = join(root, 'build-win');
  mkdirSync(out, { recursive: true });
  const headers = dirname(require.resolve('node-api-headers/package.json'));
  // node_api.def has no trailing newline; node.exe also exports libuv's
  // descriptor converters, which the import library lists too.
  const def = readFileSync(join(headers, 'def', 'node_api.def'), 'utf8').replace(/\s*$/, '\n');
  const defPath = join(out, 'node.def');
  writeFileSync(defPath, `${def}uv_get_osfhandle\nuv_open_osfhandle\n`);
  const importLib = join(out, 'libnode.a');
  run('x86_64-w64-mingw32-dlltool', ['-d', defPath, '-l', importLib, '-D', 'node.exe']);
  run('cmake', ['-S', root, '-B', out, `-DCMAKE_BUILD_TYPE=${buildType}`,
    `-DCMAKE_TOOLCHAIN_FILE=${join(root, 'cmake', 'mingw-w64-x86_64.cmake')}`,
    `-DIOCP_NODE_API_INCLUDE=${require('node-api-headers').include_dir}`,
    `-DIOCP_NODE_IMPORT_LIB=${importLib}`, `-DIOCP_NATIVE_VERSION=${version}`]);
  run('cmake', ['--build', out, '--parallel', jobs]);
  const dest = join(root, 'prebuilds', 'win32-x64');
  mkdirSync(dest, { recursive: true });
  copyFileSync(join(out, 'iocp.node'), join(dest, 'iocp.node'));
  console.log(`@iocp/native: wrote ${join(dest, 'iocp.node')}`);
}

if (args.has('--win')) windowsBuild();
else if (args.has('--asan')) asanBuild();
else {
  need('cmake', 'cmake');
  hostBuild();
}
if (!args.has('--win') && !existsSync(join(root, args.has('--asan') ? 'build-asan' : 'build'))) {
  process.exit(1);
}
