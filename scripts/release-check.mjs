#!/usr/bin/env node
// `pnpm release:check`: packs every public package as `changeset publish`
// would and fails when a tarball is not fit to publish:
//   - @iocp/native lacks a prebuilt addon for linux-x64 or win32-x64
//     (`pnpm prebuild` makes both), or lists build tooling in dependencies;
//   - a tarball lacks LICENSE, README.md, or holds a .tsbuildinfo or tests;
//   - a source map (.js.map, .d.ts.map) names a source not in the tarball;
//   - package.json lacks repository.directory, homepage, bugs or keywords,
//     or still holds a `workspace:` range.
// Run it after `pnpm build` and `pnpm prebuild`; the release workflow runs it
// before publishing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

import { PREBUILDS, packAll, tarballFiles } from './lib/packages.mjs';

const BUILD_TOOLING = ['cmake-js', 'node-addon-api', 'node-api-headers', 'node-gyp', 'prebuildify'];

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function checkTarball({ name, tarball }, problems) {
  const say = (msg) => problems.push(`${name}: ${msg}`);
  const files = tarballFiles(tarball);
  for (const required of ['package.json', 'LICENSE', 'README.md']) {
    if (!files.includes(required)) say(`${required} is missing`);
  }
  for (const f of files) {
    if (f.endsWith('.tsbuildinfo')) say(`ships ${f}`);
    if (/^test\/|\.test\.[cm]?[jt]s$/.test(f)) say(`ships a test file ${f}`);
  }

  const unpacked = mkdtempSync(join(tmpdir(), 'iocp-check-'));
  try {
    execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
    const pkgRoot = join(unpacked, 'package');
    const manifest = JSON.parse(readFileSync(join(pkgRoot, 'package.json'), 'utf8'));
    if (!manifest.repository?.directory) say('package.json has no repository.directory');
    for (const field of ['homepage', 'bugs', 'keywords', 'license', 'description']) {
      if (!manifest[field]) say(`package.json has no ${field}`);
    }
    for (const kind of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(manifest[kind] ?? {})) {
        if (String(range).startsWith('workspace:')) say(`${kind}.${dep} is still ${range}`);
      }
    }
    for (const dep of BUILD_TOOLING) {
      if (manifest.dependencies?.[dep]) say(`depends on build tooling (${dep}): installs would pull it`);
    }
    if (name === '@iocp/native') {
      for (const key of PREBUILDS) {
        if (!files.includes(`prebuilds/${key}/iocp.node`)) {
          say(`prebuilds/${key}/iocp.node is missing (run \`pnpm prebuild\`; win32-x64 needs MinGW-w64)`);
        }
      }
    }
    // Every source a map names must be in the tarball, so debuggers and
    // "go to definition" land on real TypeScript.
    for (const file of walk(pkgRoot).filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(file, 'utf8'));
      const base = resolve(dirname(file), map.sourceRoot ?? '');
      for (const [i, source] of (map.sources ?? []).entries()) {
        if (map.sourcesContent?.[i] != null) continue;
        const target = resolve(base, source);
        if (!target.startsWith(pkgRoot + '/') || !existsSync(target)) {
          say(`${relative(pkgRoot, file)} names ${source}, which is not in the tarball`);
        }
      }
    }
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

const dest = mkdtempSync(join(tmpdir(), 'iocp-pack-'));
try {
  const packed = packAll(dest);
  const problems = [];
  for (const p of packed) checkTarball(p, problems);
  for (const p of packed) {
    const kib = Math.round(statSync(p.tarball).size / 1024);
    console.log(`${p.name}@${p.version}: ${tarballFiles(p.tarball).length} files, ${kib} KiB`);
  }
  if (problems.length) {
    console.error(`\nrelease check FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`\nrelease check passed: ${packed.length} packages, prebuilds ${PREBUILDS.join(' and ')} in @iocp/native`);
} finally {
  rmSync(dest, { recursive: true, force: true });
}
