// Helpers for the process suites (process*.test.ts): spawning a child
// through the native API with one call on both OSes (argv on Linux, a
// command line quoted by list2cmdline on Windows), waiting for its exit on
// the core (waitHandle on the pidfd / process handle, then processStatus),
// and a pipe whose child end is a plain (not overlapped) handle, read to
// its end on the core. What a test opens is closed by its Harness.
import { STDIO_INHERIT, native } from '@iocp/native';

import { Harness, codeOf, isWindows } from './helpers';

/** The program of most children: this very node (node.exe under Wine). */
export const NODE = process.execPath;

// Negated system errors the suites expect.
export const ERROR_BROKEN_PIPE = -109;
export const ERROR_INVALID_PARAMETER = -87;

/**
 * Port of subprocess.py list2cmdline: the command line that the Microsoft C
 * runtime (and CommandLineToArgvW) splits back into `args`.
 */
export function list2cmdline(args: readonly string[]): string {
  const out: string[] = [];
  for (const arg of args) {
    let result = '';
    let backslashes = '';
    const needQuote = arg.includes(' ') || arg.includes('\t') || arg === '';
    if (needQuote) result += '"';
    for (const ch of arg) {
      if (ch === '\\') {
        backslashes += ch;
      } else if (ch === '"') {
        result += '\\'.repeat(backslashes.length * 2) + '\\"';
        backslashes = '';
      } else {
        result += backslashes + ch;
        backslashes = '';
      }
    }
    result += backslashes;
    if (needQuote) result += backslashes + '"';
    out.push(result);
  }
  return out.join(' ');
}

export interface SpawnOptions {
  /** The program; argv[0] by default. */
  file?: string;
  env?: readonly string[] | null;
  cwd?: string | null;
  stdio?: [number, number, number];
  newGroup?: boolean;
}

export interface Child {
  pid: number;
  handle: number;
  group: number;
}

/** spawnProcess with argv on Linux and its list2cmdline on Windows. */
export function spawnRaw(
  argv: readonly string[],
  o: SpawnOptions = {},
): [number, number, number] | number {
  const stdio = o.stdio ?? [STDIO_INHERIT, STDIO_INHERIT, STDIO_INHERIT];
  return native.spawnProcess(
    o.file ?? argv[0],
    isWindows ? [] : argv,
    isWindows ? list2cmdline(argv) : '',
    o.env ?? null,
    o.cwd ?? null,
    stdio[0],
    stdio[1],
    stdio[2],
    o.newGroup ?? false,
  );
}

// The children of each test whose exit it has not read yet.
const unsettled = new WeakMap<Harness, Set<Child>>();

/**
 * Spawns a child of the test: its handles are closed when the test ends
 * (after settleChildren has ended and reaped it, if the test did not).
 */
export function spawn(t: Harness, argv: readonly string[], o: SpawnOptions = {}): Child {
  const r = spawnRaw(argv, o);
  if (typeof r === 'number') throw new Error(`spawnProcess(${argv[0]}): ${codeOf(r)} (${r})`);
  const [pid, handle, group] = r;
  const child = { pid, handle, group };
  if (!unsettled.has(t)) unsettled.set(t, new Set());
  unsettled.get(t)!.add(child);
  t.defer(() => {
    native.closeHandle(handle);
    if (isWindows && group !== 0) native.closeHandle(group);
  });
  return child;
}

/**
 * Kills the children a test left running (a failed test) and waits for
 * them, so that none outlives its test, unreaped. Call before dispose.
 */
export async function settleChildren(t: Harness): Promise<void> {
  for (const child of [...(unsettled.get(t) ?? [])]) {
    // A tree kill for a group: its grandchildren go too. (Linux: the child
    // is not reaped yet, so its group id still names its group.)
    native.processSignal(child.handle, child.pid, child.group, 9, child.group !== 0);
    await exitOf(t, child);
  }
}

/** A node child running `script` (with `args` after it in process.argv). */
export function spawnNode(
  t: Harness,
  script: string,
  args: readonly string[] = [],
  o: SpawnOptions = {},
): Child {
  return spawn(t, [NODE, '-e', script, ...args], o);
}

/** Waits on the core until the child's handle is signalled: it has exited. */
export async function waitExit(t: Harness, child: Child): Promise<void> {
  expect((await t.run((c) => c.waitHandle(child.handle))).result).toBe(1);
  unsettled.get(t)?.delete(child);
}

/** Waits for the child's exit, then reads its status (once: Linux reaps it). */
export async function exitOf(t: Harness, child: Child): Promise<[number, number]> {
  await waitExit(t, child);
  const status = native.processStatus(child.handle, child.pid);
  if (typeof status === 'number') throw new Error(`processStatus: ${codeOf(status)}`);
  return status;
}

/**
 * A pipe for a child's output: `read` is the parent's overlapped end,
 * associated with the core; `write` is a plain handle for the child, which
 * closeWrite closes in the parent once the child has it.
 */
export interface OutputPipe {
  read: number;
  write: number;
  closeWrite(): void;
}

export function outputPipe(t: Harness): OutputPipe {
  const pair = native.pipePair(false, true, false);
  if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
  const [read, write] = pair;
  let writeOpen = true;
  const closeWrite = (): void => {
    if (writeOpen) native.closeHandle(write);
    writeOpen = false;
  };
  t.defer(() => {
    closeWrite();
    native.closeHandle(read);
  });
  const r = t.core.associate(read);
  if (r < 0) throw new Error(`associate: ${codeOf(r)}`);
  return { read, write, closeWrite };
}

/** Reads a pipe until every writer has closed it (0, or ERROR_BROKEN_PIPE). */
export async function readToEnd(t: Harness, handle: number): Promise<string> {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(65536);
    const { result } = await t.run((c) => c.read(handle, buf, -1));
    if (result === 0 || (isWindows && result === ERROR_BROKEN_PIPE)) break;
    if (result < 0) throw new Error(`read: ${codeOf(result)} (${result})`);
    chunks.push(buf.subarray(0, result));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads once: the first bytes a child wrote. */
export async function readSome(t: Harness, handle: number): Promise<string> {
  const buf = Buffer.alloc(65536);
  const { result } = await t.run((c) => c.read(handle, buf, -1));
  if (result < 0) throw new Error(`read: ${codeOf(result)} (${result})`);
  return buf.subarray(0, result).toString('utf8');
}
