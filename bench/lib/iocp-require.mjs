// Loads the built @iocp packages from bench/: through the workspace when
// bench/ is a workspace package, else straight from packages/<name> (whose
// package.json points at dist/). Never builds anything.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The package directory of `@iocp/<name>`. */
export function packageDir(name) {
  return path.join(ROOT, 'packages', name.replace(/^@iocp\//, ''));
}

/**
 * require() an @iocp package. Throws an Error whose `missing` property is
 * "<name> not built" when neither the workspace link nor packages/<name>/dist
 * has it; other load errors (a forced backend that cannot start) pass through.
 */
export function requireIocp(name) {
  try {
    return require(name);
  } catch (err) {
    // Not linked, or linked but not built: look at packages/<name> below.
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
  }
  const dir = packageDir(name);
  let main = 'dist/index.js';
  try {
    main = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).main ?? main;
  } catch {
    // No package.json: reported below as not built.
  }
  const entry = path.join(dir, main);
  if (!fs.existsSync(entry)) {
    const err = new Error(`${name} not built (no ${path.relative(ROOT, entry)})`);
    err.missing = `${name} not built`;
    throw err;
  }
  return require(entry);
}
