#!/usr/bin/env node
// Builds the addon.
//   node scripts/build.mjs            host build with cmake-js -> build/Release/iocp.node
//   node scripts/build.mjs --win      win32-x64 cross build with MinGW-w64
//                                     -> prebuilds/win32-x64/iocp.node
//   node scripts/build.mjs --asan     host build with AddressSanitizer + UBSan
//                                     -> build-asan/iocp.node
//   node scripts/build.mjs --prebuild the host build that ships in the package
//                                     -> prebuilds/<platform>-<arch>/iocp.node
//                                     (Linux: libstdc++ and libgcc linked
//                                     statically, so only glibc is needed;
//                                     MSVC: the static C runtime)
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

function resolveTool(name) {
  try {
    return require.resolve(name);
  } catch {
    console.error(
      `@iocp/native: building from source needs cmake-js, node-addon-api and node-api-headers ` +
        `(optional peer dependencies). Install them next to @iocp/native:\n` +
        `  npm install --no-save cmake-js@^7.4.0 node-addon-api@^8.5.0 node-api-headers@^1.8.0`,
    );
    process.exit(1);
  }
}

function hostBuild(out = 'build', extra = []) {
  const cmakeJs = resolveTool('cmake-js/bin/cmake-js');
  resolveTool('node-addon-api');
  run(process.execPath, [
    cmakeJs, 'compile', '--out', out, '--config', buildType, '--parallel', jobs,
    `--CDIOCP_NATIVE_VERSION=${version}`, ...extra,
  ]);
}

// The binary that ships in the package. Linux: libstdc++ and libgcc are
// linked statically, so the addon needs only the glibc it was built against
// (or newer); Windows (MSVC on a Windows machine): the static C runtime.
function prebuild() {
  const key = `${process.platform}-${process.arch}`;
  const out = 'build-prebuild';
  const extra = process.platform === 'win32'
    ? ['--CDCMAKE_MSVC_RUNTIME_LIBRARY=MultiThreaded']
    : ['--CDCMAKE_SHARED_LINKER_FLAGS=-static-libstdc++ -static-libgcc'];
  hostBuild(out, extra);
  const dest = join(root, 'prebuilds', key);
  mkdirSync(dest, { recursive: true });
  copyFileSync(join(root, out, buildType, 'iocp.node'), join(dest, 'iocp.node'));
  console.log(`@iocp/native: wrote ${join(dest, 'iocp.node')}`);
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
else if (args.has('--prebuild')) {
  need('cmake', 'cmake');
  prebuild();
} else {
  need('cmake', 'cmake');
  hostBuild();
}
if (!args.has('--win') && !args.has('--prebuild') && !existsSync(join(root, args.has('--asan') ? 'build-asan' : 'build'))) {
  process.exit(1);
}
