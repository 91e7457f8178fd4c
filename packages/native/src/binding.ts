// Loads the compiled addon. This is the only file that requires a `.node`
// file. It tries, in order: IOCP_NATIVE_PATH, build/Release, build/Debug and
// prebuilds/<platform>-<arch>; it swallows only "module not found" and throws
// one error listing every path it tried (like node-pty's src/utils.ts).
import * as path from 'node:path';

import type { NativeAddon } from './types';

const packageRoot = path.join(__dirname, '..');

export function candidatePaths(): string[] {
  const paths: string[] = [];
  const override = process.env.IOCP_NATIVE_PATH;
  if (override) paths.push(path.resolve(override));
  paths.push(
    path.join(packageRoot, 'build', 'Release', 'iocp.node'),
    path.join(packageRoot, 'build', 'Debug', 'iocp.node'),
    path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'iocp.node'),
  );
  return paths;
}

function isModuleNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'MODULE_NOT_FOUND';
}

export function loadAddon(): NativeAddon {
  const tried: string[] = [];
  for (const candidate of candidatePaths()) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate) as NativeAddon;
    } catch (err) {
      if (!isModuleNotFound(err)) throw err;
      tried.push(candidate);
    }
  }
  throw new Error(
    `@iocp/native: no compiled addon for ${process.platform}-${process.arch}. Tried:\n` +
      tried.map((p) => `  ${p}`).join('\n') +
      '\nTo fix it, build the addon for this Node.js:\n' +
      '  npm rebuild @iocp/native\n' +
      '  (pnpm 10 skips install scripts unless allowed: add "@iocp/native" to pnpm.onlyBuiltDependencies\n' +
      '   in your package.json, then run `pnpm rebuild @iocp/native`)\n' +
      'In the @iocp repository itself: `pnpm --filter @iocp/native build`. IOCP_NATIVE_PATH can point at a built iocp.node.',
  );
}
