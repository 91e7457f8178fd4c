#!/usr/bin/env node
// Runs when @iocp/native is installed from the registry: uses a prebuilt
// binary for this platform when the package ships one, and otherwise builds
// from source with cmake-js (nothing is downloaded). Inside the @iocp
// monorepo the build task does this instead.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'iocp.node');
const inMonorepo = existsSync(join(root, '..', '..', 'turbo.json'));
if (!inMonorepo && !existsSync(prebuilt)) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
