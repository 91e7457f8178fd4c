// The Linux side of the process primitives (src/linux/os_process.cc) on
// io_uring and epoll: what a posix_spawn'ed child inherits (its three
// stdio fds and nothing else, default signal dispositions, an empty
// mask), stdio taken from the parent's own fds 0 to 2, process groups and
// tree kills, and the exec errors. Ports the intent of CPython's
// test_subprocess.py test_close_fds, test_restore_signals and
// test_start_new_session.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { STDIO_INHERIT, STDIO_NULL, availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, codeOf, isLinux, openFds } from './helpers';
import type { Child } from './process-harness';
import {
  exitOf,
  outputPipe,
  readSome,
  readToEnd,
  settleChildren,
  spawn,
  spawnRaw,
} from './process-harness';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

const describeLinux = isLinux ? describe : describe.skip;
const SIGPIPE = 13;

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

/** A field of /proc/<pid>/status ("SigIgn") as a bigint mask. */
function statusMask(pid: number | 'self', field: string): bigint {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return BigInt(`0x${line!.split(/\s+/)[1]}`);
}

const bit = (sig: number): bigint => 1n << BigInt(sig - 1);

describeLinux.each(availableBackends())('Linux processes on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await settleChildren(t);
    await t.dispose();
  });

  /**
   * A /bin/cat that copies a pipe to another pipe, with stderr as given,
   * once it is past its start-up: the dynamic loader opens files of its
   * own for a moment, so the promise settles only when a first line has
   * come back through it, and cat is blocked reading. closeInput ends it.
   * Its environment is empty: under test:asan an inherited LD_PRELOAD would
   * load the ASan runtime into it, which keeps fds of its own.
   */
  async function runningCat(
    stderr: number,
  ): Promise<{ child: Child; output: number; closeInput(): void }> {
    const pair = native.pipePair(false, false, false);
    if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
    const [r, w] = pair;
    let open = true;
    const closeInput = (): void => {
      if (open) native.closeHandle(w);
      open = false;
    };
    t.defer(closeInput);
    const out = outputPipe(t);
    let child: Child;
    try {
      child = spawn(t, ['/bin/cat'], { env: [], stdio: [r, out.write, stderr] });
    } finally {
      native.closeHandle(r);
      out.closeWrite();
    }
    fs.writeSync(w, 'ping\n');
    expect(await readSome(t, out.read)).toBe('ping\n');
    return { child, output: out.read, closeInput };
  }

  // test_subprocess.py test_close_fds: only 0, 1 and 2 reach the child.
  it('the child holds its three stdio fds and no other, whatever the parent has open', async () => {
    const extra = fs.openSync(__filename, 'r');
    try {
      const cat = await runningCat(STDIO_INHERIT);
      const fdsOf = `/proc/${cat.child.pid}/fd`;
      expect(fs.readdirSync(fdsOf).sort()).toEqual(['0', '1', '2']);
      expect(fs.readlinkSync(`${fdsOf}/1`)).toBe(fs.readlinkSync(`/proc/self/fd/${cat.output}`));
      expect(fs.readlinkSync(`${fdsOf}/2`)).toBe(fs.readlinkSync('/proc/self/fd/2'));
      cat.closeInput();
      expect(await exitOf(t, cat.child)).toEqual([1, 0]);
    } finally {
      fs.closeSync(extra);
    }
  });

  // test_subprocess.py test_restore_signals: Node ignores SIGPIPE, the child must not.
  it('the child starts with default signal dispositions and an empty mask', async () => {
    expect(statusMask('self', 'SigIgn') & bit(SIGPIPE)).toBe(bit(SIGPIPE));
    const cat = await runningCat(STDIO_NULL);
    expect(statusMask(cat.child.pid, 'SigIgn')).toBe(0n);
    expect(statusMask(cat.child.pid, 'SigBlk')).toBe(0n);
    cat.closeInput();
    expect(await exitOf(t, cat.child)).toEqual([1, 0]);
  });

  it('a child writing to a pipe nobody reads dies of SIGPIPE: [2, 13]', async () => {
    const pair = native.pipePair(false, false, false);
    if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
    const [r, w] = pair;
    native.closeHandle(r);
    let child;
    try {
      child = spawn(t, ['/usr/bin/yes'], { stdio: [STDIO_NULL, w, STDIO_INHERIT] });
    } finally {
      native.closeHandle(w);
    }
    expect(await exitOf(t, child)).toEqual([2, SIGPIPE]);
  });

  // In a node of its own, whose stdout and stderr are two different files
  // (jest's may be one pipe), so that a swap shows.
  it("stdio may come from the parent's own fds 1 and 2, swapped", async () => {
    const script = `
      const { native, STDIO_NULL } = require(${JSON.stringify(DIST)});
      const r = native.spawnProcess('/bin/sh', ['/bin/sh', '-c', 'echo to-one; echo to-two >&2'], '',
        null, null, STDIO_NULL, 2, 1);
      if (typeof r === 'number') throw new Error('spawnProcess: ' + r);
      const [pid, handle] = r;
      const timer = setInterval(() => {
        const status = native.processStatus(handle, pid);
        if (status[0] === 0) return;
        clearInterval(timer);
        native.closeHandle(handle);
        process.stdout.write('status ' + status.join(' ') + '\\n');
      }, 5);
    `;
    const { out, err, code, signal } = await runNodeScript(script);
    expect({ out, err, code, signal }).toEqual({
      out: 'to-two\nstatus 1 0\n',
      err: 'to-one\n',
      code: 0,
      signal: null,
    });
  });

  it('an fd that already is its own slot (0 -> 0) reaches the child', async () => {
    const out = outputPipe(t);
    const sh = spawn(t, ['/bin/sh', '-c', 'readlink /proc/self/fd/0 >&2; echo done'], {
      stdio: [0, out.write, out.write],
    });
    out.closeWrite();
    expect(await readToEnd(t, out.read)).toBe(`${fs.readlinkSync('/proc/self/fd/0')}\ndone\n`);
    expect(await exitOf(t, sh)).toEqual([1, 0]);
  });

  // test_subprocess.py test_start_new_session / test_process_group_0.
  it('newGroup puts the child in its own group, and a tree kill reaches its grandchild', async () => {
    const out = outputPipe(t);
    const sh = spawn(t, ['/bin/sh', '-c', 'sleep 1000 & echo $!; wait'], {
      stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
      newGroup: true,
    });
    out.closeWrite();
    expect(sh.group).toBe(sh.pid);
    const grandchild = Number((await readSome(t, out.read)).trim());
    const pgrpOf = (pid: number): number =>
      Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
    expect(pgrpOf(sh.pid)).toBe(sh.pid);
    expect(pgrpOf(grandchild)).toBe(sh.pid);
    expect(native.processSignal(sh.handle, sh.pid, sh.group, 9, true)).toBe(0);
    expect(await exitOf(t, sh)).toEqual([2, 9]);
    // The sleep held the pipe's write end too: the end of the pipe says it died.
    expect(await readToEnd(t, out.read)).toBe('');
  });

  it('without newGroup the child stays in our group and group is 0', async () => {
    const child = spawn(t, ['/bin/sh', '-c', 'exit 7']);
    expect(child.group).toBe(0);
    expect(await exitOf(t, child)).toEqual([1, 7]);
  });

  it('signal 0 probes a running child', async () => {
    const cat = await runningCat(STDIO_NULL);
    expect(native.processSignal(cat.child.handle, cat.child.pid, 0, 0)).toBe(0);
    cat.closeInput();
    expect(await exitOf(t, cat.child)).toEqual([1, 0]);
    expect(native.processStatus(cat.child.handle, cat.child.pid)).toBe(-os.constants.errno.ECHILD);
  });

  it('exec errors: EACCES for a file without x, ENOEXEC for one the kernel cannot run', () => {
    const dir = tempDir();
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    expect(codeOf(spawnRaw([plain]) as number)).toBe('EACCES');
    const garbage = path.join(dir, 'garbage');
    fs.writeFileSync(garbage, '\x7fnot an executable', { mode: 0o755 });
    expect(codeOf(spawnRaw([garbage]) as number)).toBe('ENOEXEC');
  });

  it('failures leave no fd and no child: a missing cwd, a stdio fd that is not open', () => {
    const before = openFds();
    const missing = path.join(tempDir(), 'gone');
    expect(codeOf(spawnRaw(['/bin/true'], { cwd: missing, stdio: [0, 1, 2] }) as number)).toBe(
      'ENOENT',
    );
    expect(
      codeOf(spawnRaw(['/bin/true'], { stdio: [STDIO_NULL, 987654, STDIO_INHERIT] }) as number),
    ).toBe('EBADF');
    expect(openFds()).toBe(before);
    // No child of ours is left, running or unreaped.
    const children = fs.readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim();
    expect(children).toBe('');
  });
});

// The paths of older kernels, run on this one through the IOCP_TEST_PIDFD
// hook (src/linux/os_process.cc), each in a node of its own (the hook is
// read once per process).
describeLinux('Linux processes on kernels without the pidfd calls', () => {
  const { ENOSYS, ECHILD, ESRCH } = os.constants.errno;

  it('without pidfd_open (before 5.3) a spawn fails with ENOSYS and leaves no child and no fd', async () => {
    const script = `
      const fs = require('fs');
      const { native, STDIO_NULL } = require(${JSON.stringify(DIST)});
      const before = fs.readdirSync('/proc/self/fd').length;
      const r = native.spawnProcess('/bin/true', ['/bin/true'], '', null, null,
        STDIO_NULL, STDIO_NULL, STDIO_NULL, false);
      const children = fs.readFileSync('/proc/self/task/' + process.pid + '/children', 'utf8').trim();
      const fds = fs.readdirSync('/proc/self/fd').length - before;
      process.stdout.write(JSON.stringify({ r, children, fds }) + '\\n');
    `;
    const res = await runNodeScript(script, { env: { ...process.env, IOCP_TEST_PIDFD: 'open' } });
    expect(res.err).toBe('');
    expect(JSON.parse(res.out)).toEqual({ r: -ENOSYS, children: '', fds: 0 });
  });

  it("without waitid's P_PIDFD (5.3) or pidfd_send_signal (before 5.1): status by pid, signals by kill()", async () => {
    const script = `
      const { native, STDIO_NULL } = require(${JSON.stringify(DIST)});
      const r = native.spawnProcess('/bin/sleep', ['/bin/sleep', '30'], '', null, null,
        STDIO_NULL, STDIO_NULL, STDIO_NULL, false);
      if (typeof r === 'number') throw new Error('spawnProcess: ' + r);
      const [pid, handle] = r;
      const seen = { running: native.processStatus(handle, pid), signal: native.processSignal(handle, pid, 0, 15) };
      const timer = setInterval(() => {
        const status = native.processStatus(handle, pid);
        if (Array.isArray(status) && status[0] === 0) return;
        clearInterval(timer);
        seen.ended = status;
        seen.again = native.processStatus(handle, pid);
        seen.signalAfter = native.processSignal(handle, pid, 0, 15);
        native.closeHandle(handle);
        process.stdout.write(JSON.stringify(seen) + '\\n');
      }, 5);
    `;
    const res = await runNodeScript(script, {
      env: { ...process.env, IOCP_TEST_PIDFD: 'waitid,signal' },
    });
    expect(res.err).toBe('');
    expect(JSON.parse(res.out)).toEqual({
      running: [0, 0],
      signal: 0,
      ended: [2, 15],
      again: -ECHILD,
      signalAfter: -ESRCH,
    });
  });
});
