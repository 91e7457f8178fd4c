// The process primitives (src/common/os.h "Processes": spawnProcess,
// processStatus, processSignal; src/linux/os_process.cc,
// src/win/os_process.cc) on every backend, through the native API only:
// the child's exit is waited for on the core (waitHandle on the pidfd or
// process handle), its output read from a pipePair end on the core. The
// cases follow CPython's test_windows_utils.py PopenTests and
// test_asyncio/test_subprocess.py (exit codes, stdout, stderr to stdout,
// kill, terminate of an exited child, bad programs).
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { STDIO_INHERIT, STDIO_NULL, availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, codeOf, expectArgError, isWindows } from './helpers';
import {
  NODE,
  exitOf,
  outputPipe,
  readSome,
  readToEnd,
  settleChildren,
  spawnNode,
  spawnRaw,
  waitExit,
} from './process-harness';

const ENOENT = isWindows ? -2 : -os.constants.errno.ENOENT;
const EACCES = isWindows ? -5 : -os.constants.errno.EACCES;
// What a kill (signal 9) leaves: killed by SIGKILL on Linux, exit code 1
// (TerminateProcess(handle, 1)) on Windows.
const KILLED: [number, number] = isWindows ? [1, 1] : [2, 9];
// A child that stays until it is killed.
const FOREVER = 'setInterval(() => {}, 1000)';

// Each case starts node children: slow under ASan (its runtime is preloaded
// into them too) and under Wine, so cases get more than the preset's 20 s.
jest.setTimeout(90_000);

let dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-native-process-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe.each(availableBackends())('processes on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await settleChildren(t);
    await t.dispose();
  });

  // PopenTests.test_popen's returncode, and test_subprocess's test_exit_code.
  it('a child that exits with 0 or 3 reports [1, code] once its handle is signalled', async () => {
    const zero = spawnNode(t, 'process.exit(0)');
    const three = spawnNode(t, 'process.exit(3)');
    expect(await exitOf(t, three)).toEqual([1, 3]);
    expect(await exitOf(t, zero)).toEqual([1, 0]);
  });

  it('processStatus is [0, 0] while the child runs', async () => {
    const child = spawnNode(t, FOREVER);
    expect(native.processStatus(child.handle, child.pid)).toEqual([0, 0]);
    expect(native.processSignal(child.handle, child.pid, child.group, 9)).toBe(0);
    expect(await exitOf(t, child)).toEqual(KILLED);
  });

  it('a program that does not exist fails with ENOENT and leaves nothing behind', () => {
    const missing = path.join(tempDir(), 'no-such-program');
    const r = spawnRaw([missing]);
    expect(r).toBe(ENOENT);
    expect(codeOf(r as number)).toBe('ENOENT');
  });

  it('a directory as the program fails with EACCES', () => {
    const r = spawnRaw([tempDir()]);
    expect(r).toBe(EACCES);
    expect(codeOf(r as number)).toBe('EACCES');
  });

  it('a NUL in the program, an argument, the command line, env or cwd throws TypeError synchronously', () => {
    const std = [STDIO_INHERIT, STDIO_INHERIT, STDIO_INHERIT] as const;
    expectArgError(
      () => native.spawnProcess('no\0de', [NODE], '', null, null, ...std),
      'TypeError',
      'file',
    );
    expectArgError(
      () => native.spawnProcess(NODE, [NODE, 'a\0b'], '', null, null, ...std),
      'TypeError',
      'argv',
    );
    expectArgError(
      () => native.spawnProcess(NODE, [], 'node a\0b', null, null, ...std),
      'TypeError',
      'commandLine',
    );
    expectArgError(
      () => native.spawnProcess(NODE, [NODE], '', ['A=\0'], null, ...std),
      'TypeError',
      'env',
    );
    expectArgError(
      () => native.spawnProcess(NODE, [NODE], '', null, 'C\0', ...std),
      'TypeError',
      'cwd',
    );
  });

  // PopenTests.test_popen: the child's stdout through a pipe.
  it("the child's stdout goes through a pipe whose child end is not overlapped", async () => {
    const out = outputPipe(t);
    const child = spawnNode(t, "process.stdout.write('hello from the child')", [], {
      stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
    });
    out.closeWrite();
    expect(await readToEnd(t, out.read)).toBe('hello from the child');
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  // test_subprocess.py test_stderr_redirect_to_stdout (one handle, two slots).
  it('stderr can share the stdout handle', async () => {
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      "process.stdout.write('out;', () => process.stderr.write('err'))",
      [],
      { stdio: [STDIO_NULL, out.write, out.write] },
    );
    out.closeWrite();
    expect(await readToEnd(t, out.read)).toBe('out;err');
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  it('arguments reach the child unchanged: spaces, quotes, backslashes, unicode, empty', async () => {
    const args = [
      'plain',
      'two words',
      'say "hi"',
      'back\\slash\\',
      'tab\there',
      '',
      'ünï 😀',
      '\\"\\',
    ];
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      'process.stdout.write(JSON.stringify(process.argv.slice(1)))',
      args,
      {
        stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
      },
    );
    out.closeWrite();
    expect(JSON.parse(await readToEnd(t, out.read))).toEqual(args);
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  // Jest gives each test file its own copy of process.env, so these cases
  // use PATH, which the real environment of this process holds.
  it('env replaces the environment: given entries only', async () => {
    expect(process.env.PATH).toBeTruthy();
    // node.exe needs SystemRoot to start (CPython's tests keep it too).
    const keep = isWindows ? [`SystemRoot=${process.env.SystemRoot ?? 'C:\\windows'}`] : [];
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      'process.stdout.write(JSON.stringify([process.env.IOCP_CHILD_VAR, process.env.PATH ?? null]))',
      [],
      {
        env: ['IOCP_CHILD_VAR=child value = ü', ...keep],
        stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
      },
    );
    out.closeWrite();
    expect(JSON.parse(await readToEnd(t, out.read))).toEqual(['child value = ü', null]);
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  it('without env the child inherits the environment', async () => {
    const out = outputPipe(t);
    const child = spawnNode(t, 'process.stdout.write(process.env.PATH)', [], {
      stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
    });
    out.closeWrite();
    const output = await readToEnd(t, out.read);
    // Both at once, so that a failure shows how the child ended too (seen
    // once under Wine in a loaded full run: empty output).
    expect({ output, exit: await exitOf(t, child) }).toEqual({
      output: process.env.PATH,
      exit: [1, 0],
    });
  });

  it('cwd sets the working directory of the child', async () => {
    const dir = tempDir();
    const out = outputPipe(t);
    const child = spawnNode(t, 'process.stdout.write(process.cwd())', [], {
      cwd: dir,
      stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
    });
    out.closeWrite();
    expect(fs.realpathSync(await readToEnd(t, out.read))).toBe(fs.realpathSync(dir));
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  it('STDIO_NULL gives the child the null device: stdin at its end, stdout swallowed', async () => {
    const err = outputPipe(t);
    const child = spawnNode(
      t,
      "const n = require('fs').readFileSync(0).length; process.stdout.write('lost'); process.stderr.write('stdin ' + n)",
      [],
      { stdio: [STDIO_NULL, STDIO_NULL, err.write] },
    );
    err.closeWrite();
    expect(await readToEnd(t, err.read)).toBe('stdin 0');
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  // test_subprocess.py test_kill.
  it(`signal 9 kills a running child: ${JSON.stringify(KILLED)}`, async () => {
    const out = outputPipe(t);
    const child = spawnNode(t, `process.stdout.write('ready'); ${FOREVER}`, [], {
      stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
    });
    out.closeWrite();
    expect(await readSome(t, out.read)).toBe('ready');
    expect(native.processSignal(child.handle, child.pid, child.group, 9)).toBe(0);
    expect(await exitOf(t, child)).toEqual(KILLED);
    expect(await readToEnd(t, out.read)).toBe('');
  });

  // test_subprocess.py test_terminate, and Popen.terminate on an exited child.
  it('terminating a child that has exited: -ESRCH on Linux, 0 on Windows, before and after processStatus', async () => {
    const child = spawnNode(t, 'process.exit(5)');
    await waitExit(t, child);
    const expected = isWindows ? 0 : -os.constants.errno.ESRCH;
    expect(native.processSignal(child.handle, child.pid, child.group, 15)).toBe(expected);
    expect(native.processStatus(child.handle, child.pid)).toEqual([1, 5]);
    expect(native.processSignal(child.handle, child.pid, child.group, 15)).toBe(expected);
  });

  // The "50 processes at once", at the native level, and two
  // children whose pipes end independently.
  it('children spawned side by side each have their own output, ended when they exit', async () => {
    const pipes = Array.from({ length: 8 }, () => outputPipe(t));
    const children = pipes.map((p, i) => {
      const c = spawnNode(t, `process.stdout.write('child ${i}')`, [], {
        stdio: [STDIO_NULL, p.write, STDIO_INHERIT],
      });
      p.closeWrite();
      return c;
    });
    const outputs = await Promise.all(pipes.map((p) => readToEnd(t, p.read)));
    expect(outputs).toEqual(pipes.map((_, i) => `child ${i}`));
    for (const c of children) expect(await exitOf(t, c)).toEqual([1, 0]);
  });

  it('one child that lives on does not hold the pipe of another that exits', async () => {
    const slow = outputPipe(t);
    const fast = outputPipe(t);
    const long = spawnNode(t, `process.stdout.write('long'); ${FOREVER}`, [], {
      stdio: [STDIO_NULL, slow.write, STDIO_INHERIT],
    });
    slow.closeWrite();
    const short = spawnNode(t, "process.stdout.write('short')", [], {
      stdio: [STDIO_NULL, fast.write, STDIO_INHERIT],
    });
    fast.closeWrite();
    expect(await readSome(t, slow.read)).toBe('long');
    expect(await readToEnd(t, fast.read)).toBe('short');
    expect(await exitOf(t, short)).toEqual([1, 0]);
    expect(native.processSignal(long.handle, long.pid, long.group, 9)).toBe(0);
    expect(await exitOf(t, long)).toEqual(KILLED);
    expect(await readToEnd(t, slow.read)).toBe('');
  });

  // The "Node's own child_process still works beside ours": libuv
  // reaps only the pids it spawned (Linux), and ours stays ours to reap.
  it("Node's child_process works beside our children, and neither reaps the other's", async () => {
    const ours = spawnNode(t, 'process.exit(4)');
    const theirs = childProcess.spawn(NODE, ['-e', 'process.exit(6)'], { stdio: 'ignore' });
    const theirExit = new Promise<number | null>((resolve) =>
      theirs.on('exit', (code) => resolve(code)),
    );
    expect(await theirExit).toBe(6);
    expect(await exitOf(t, ours)).toEqual([1, 4]);
  });

  it('refuses bad stdio, handle and pid arguments with RangeError', () => {
    expectArgError(
      () => native.spawnProcess(NODE, [NODE], '', null, null, -3, -1, -1),
      'RangeError',
      'stdin',
    );
    expectArgError(() => native.processStatus(-1, 1), 'RangeError', 'handle');
    expectArgError(() => native.processStatus(0, 0), 'RangeError', 'pid');
    expectArgError(() => native.processSignal(0, 1, 0, 65), 'RangeError', 'signal');
  });
});
