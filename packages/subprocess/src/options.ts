// The options of the subprocess functions and their checks. Wrong types are
// a TypeError, a NUL in any string a TypeError (the OS would cut the string
// short; CPython: ValueError 'embedded null byte'), values out of range a
// RangeError, all thrown synchronously (API.md's convention).
import type { BaseProactorEventLoop } from '@iocp/proactor';

/**
 * Where a child's stdin, stdout or stderr goes: 'pipe' (a pipe to this
 * process, read or written through the transport or streams), 'inherit'
 * (this process's own), 'ignore' (the null device), or a file descriptor of
 * this process (a number, as fs.openSync returns).
 */
export type StdioOption = 'pipe' | 'inherit' | 'ignore' | number;
/** stderr may also be 'stdout': the same handle as the child's stdout. */
export type StderrOption = StdioOption | 'stdout';

/** Options of subprocessExec / subprocessShell. */
export interface SubprocessOptions {
  /** The child's stdin (subprocessExec default 'pipe'; createSubprocessExec default 'inherit'). */
  stdin?: StdioOption;
  /** The child's stdout (same defaults as stdin). */
  stdout?: StdioOption;
  /** The child's stderr (same defaults as stdin), or 'stdout'. */
  stderr?: StderrOption;
  /** The child's working directory (default: this process's). */
  cwd?: string | null;
  /**
   * The child's whole environment (default: this process's). Values that
   * are undefined are left out. On Windows names are case-insensitive: of
   * names differing only in case, the first in sort order wins (as Node).
   */
  env?: Readonly<Record<string, string | undefined>> | null;
  /**
   * Start the child in a group of its own (a Job Object on Windows, a
   * process group on Linux), so that kill(), terminate() and sendSignal()
   * reach the whole tree: its children too. Default false.
   */
  killTree?: boolean;
}

/** Options of createSubprocessExec / createSubprocessShell. */
export interface ProcessOptions extends SubprocessOptions {
  /** The limit of the stdout and stderr StreamReaders (default 64 KiB). */
  limit?: number;
  /** The loop to use (default: the running proactor loop, else the shared on-demand one). */
  loop?: BaseProactorEventLoop;
}

/** A checked stdio slot. */
export type StdioSlot =
  { kind: 'pipe' | 'inherit' | 'ignore' | 'stdout' } | { kind: 'fd'; fd: number };

/** The options once checked. */
export interface CheckedOptions {
  stdin: StdioSlot;
  stdout: StdioSlot;
  stderr: StdioSlot;
  cwd: string | null;
  /** 'KEY=VALUE' entries, or null to inherit. */
  env: string[] | null;
  /** The PATH a program name is searched in (Linux). */
  path: string | undefined;
  killTree: boolean;
}

/** Throws TypeError if `s` holds a NUL. */
export function checkNoNul(s: string, name: string): string {
  if (s.includes('\0')) throw new TypeError(`${name} must not contain a NUL character`);
  return s;
}

/** A string without NUL, or TypeError. */
export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string')
    throw new TypeError(`${name} must be a string, not ${describeType(value)}`);
  return checkNoNul(value, name);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function checkStdio(
  value: unknown,
  name: string,
  dflt: StdioSlot['kind'],
  allowStdout: boolean,
): StdioSlot {
  if (value === undefined) return { kind: dflt } as StdioSlot;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
      throw new RangeError(
        `opts.${name} must be a file descriptor (an integer >= 0), got ${value}`,
      );
    }
    return { kind: 'fd', fd: value };
  }
  if (
    value === 'pipe' ||
    value === 'inherit' ||
    value === 'ignore' ||
    (allowStdout && value === 'stdout')
  ) {
    return { kind: value };
  }
  const allowed = `'pipe', 'inherit', 'ignore'${allowStdout ? ", 'stdout'" : ''} or a file descriptor`;
  if (typeof value === 'string')
    throw new RangeError(`opts.${name} must be ${allowed}, got '${value}'`);
  throw new TypeError(`opts.${name} must be ${allowed}, not ${describeType(value)}`);
}

// Port of the environment checks of subprocess.py (_execute_child): a name
// holding '=' (Windows: past its first character, as '=C:' names exist) or
// an empty name is refused.
function checkEnv(
  value: unknown,
  platform: NodeJS.Platform,
): [string[] | null, string | undefined] {
  if (value === undefined || value === null) return [null, process.env.PATH];
  if (typeof value !== 'object' || Array.isArray(value))
    throw new TypeError(`opts.env must be an object, not ${describeType(value)}`);
  const windows = platform === 'win32';
  let names = Object.keys(value);
  if (windows) {
    // As Node's child_process: sorted, and the first of the names that
    // differ only in case wins.
    names.sort();
    const seen = new Set<string>();
    names = names.filter((name) => {
      const upper = name.toUpperCase();
      if (seen.has(upper)) return false;
      seen.add(upper);
      return true;
    });
  }
  const entries: string[] = [];
  let path: string | undefined;
  for (const name of names) {
    const v = (value as Record<string, unknown>)[name];
    if (v === undefined) continue;
    checkNoNul(name, 'opts.env names');
    if (name.length === 0 || name.indexOf('=', windows ? 1 : 0) >= 0) {
      throw new RangeError(`illegal environment variable name: '${name}'`);
    }
    const s = checkString(v, `opts.env.${name}`);
    entries.push(`${name}=${s}`);
    if (windows ? name.toUpperCase() === 'PATH' : name === 'PATH') path = s;
  }
  // The Windows environment block is sorted by name, case-insensitively,
  // in code-unit order without regard to locale (CreateProcessW's rule).
  if (windows) entries.sort(compareEnvEntries);
  return [entries, path ?? (windows ? undefined : process.env.PATH)];
}

function compareEnvEntries(a: string, b: string): number {
  const x = a.slice(0, a.indexOf('=', 1)).toUpperCase();
  const y = b.slice(0, b.indexOf('=', 1)).toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Checks the options (defaults: `dflt` for the three stdio slots). */
export function checkOptions(
  opts: unknown,
  dflt: 'pipe' | 'inherit',
  platform: NodeJS.Platform = process.platform,
): CheckedOptions {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object' || Array.isArray(opts))
    throw new TypeError(`opts must be an object, not ${describeType(opts)}`);
  const o = opts as SubprocessOptions;
  const cwd = o.cwd === undefined || o.cwd === null ? null : checkString(o.cwd, 'opts.cwd');
  if (o.killTree !== undefined && typeof o.killTree !== 'boolean')
    throw new TypeError('opts.killTree must be a boolean');
  const [env, path] = checkEnv(o.env, platform);
  return {
    stdin: checkStdio(o.stdin, 'stdin', dflt, false),
    stdout: checkStdio(o.stdout, 'stdout', dflt, false),
    stderr: checkStdio(o.stderr, 'stderr', dflt, true),
    cwd,
    env,
    path,
    killTree: o.killTree === true,
  };
}
