// Port of os._execvpe's search (and glibc execvp's): on Linux the native
// spawn runs the path it is given, so the program is found here. A name
// holding a '/' is used as it is (relative to the child's cwd); any other
// name is looked up in each directory of PATH in turn (an empty entry is
// the current directory; no PATH: os.defpath, '/bin:/usr/bin'). The first
// regular file there that may be executed wins. A name found only as a
// directory or a file that may not be executed is a PermissionError; one
// found nowhere a FileNotFoundError (both carry the 'spawn <name>' syscall,
// as Node's child_process errors do).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { osErrorFromErrno } from '@iocp/futures';
import type { OSError } from '@iocp/futures';
import { constants } from 'node:os';

const DEFAULT_PATH = '/bin:/usr/bin';

function spawnError(code: 'ENOENT' | 'EACCES', program: string): OSError {
  const errno = constants.errno[code];
  return osErrorFromErrno(errno, `spawn ${program}`);
}

/** What `file` is for exec: 'ok', or the error exec would give. */
function probe(file: string): 'ok' | 'ENOENT' | 'EACCES' {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (exc) {
    // ENOENT, ENOTDIR (a PATH entry that is a file), ELOOP...: not here.
    return (exc as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT';
  }
  if (!st.isFile()) return 'EACCES';
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    return 'EACCES';
  }
  return 'ok';
}

/**
 * The path the native spawn executes for `program`: `program` itself when
 * it holds a '/' (made absolute against `cwd`, as the child's exec would
 * see it), else the first match in `searchPath`. Throws FileNotFoundError
 * or PermissionError as exec would fail.
 */
export function resolveProgram(
  program: string,
  searchPath: string | undefined,
  cwd: string | null,
): string {
  const base = cwd ?? process.cwd();
  if (program.includes('/')) return path.resolve(base, program);
  if (program.length === 0) throw spawnError('ENOENT', program);
  let denied = false;
  for (const dir of (searchPath ?? DEFAULT_PATH).split(':')) {
    const candidate = path.resolve(base, dir, program);
    const result = probe(candidate);
    if (result === 'ok') return candidate;
    // As execvp: a match that may not be run is remembered, and the search
    // goes on; it is the error only if nothing better is found.
    if (result === 'EACCES') denied = true;
  }
  throw spawnError(denied ? 'EACCES' : 'ENOENT', program);
}
