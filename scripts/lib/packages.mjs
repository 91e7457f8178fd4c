// The workspace's publishable packages and how to pack them, shared by
// scripts/release-check.mjs and scripts/install-test.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The prebuilt addons every @iocp/native tarball must hold. */
export const PREBUILDS = ['linux-x64', 'win32-x64'];

/** Every package under packages/ that is published (not "private"), in layer order. */
export function publicPackages() {
  const order = ['futures', 'native', 'proactor', 'pipes', 'subprocess', 'iocp'];
  return order
    .map((dir) => ({ dir: join(root, 'packages', dir), manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private);
}

/**
 * Packs each public package with `pnpm pack` (which turns `workspace:^`
 * into real version ranges) into `dest`; returns [{ name, version, tarball }].
 */
export function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const packed = [];
  for (const { dir, manifest } of publicPackages()) {
    const before = new Set(readdirSync(dest));
    execFileSync('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz') && !before.has(f));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${manifest.name}`);
    packed.push({ name: manifest.name, version: manifest.version, tarball: join(dest, tarball) });
  }
  return packed;
}

/** The file list of a tarball (paths without the leading "package/"). */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}
