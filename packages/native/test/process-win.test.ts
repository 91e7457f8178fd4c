// The Windows side of the process primitives (src/win/os_process.cc) on
// the iocp backend (under Wine in CI): the environment block (sorted,
// later duplicates win, bad entries refused), Job Object tree kills, the
// signals that are not kills, and exit codes. Ports of _winapi.c
// getenvironment's rules and test_subprocess.py's Windows cases.
import { STDIO_INHERIT, STDIO_NULL, native } from '@iocp/native';

import { Harness, isWindows } from './helpers';
import {
  ERROR_INVALID_PARAMETER,
  exitOf,
  outputPipe,
  readSome,
  readToEnd,
  settleChildren,
  spawnNode,
  spawnRaw,
} from './process-harness';

const describeWindows = isWindows ? describe : describe.skip;

// node.exe children under Wine start slowly.
jest.setTimeout(90_000);

const SYSTEM_ROOT = `SystemRoot=${process.env.SystemRoot ?? 'C:\\windows'}`;

describeWindows('Windows processes on iocp', () => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness('iocp');
  });

  afterEach(async () => {
    await settleChildren(t);
    await t.dispose();
  });

  // _winapi.c getenvironment: "illegal environment variable name".
  it('an env entry without "=" or with an empty name is ERROR_INVALID_PARAMETER', () => {
    for (const bad of ['NO_EQUALS', '=', '=novalue', '']) {
      expect([bad, spawnRaw([process.execPath], { env: [bad, SYSTEM_ROOT] })]).toEqual([
        bad,
        ERROR_INVALID_PARAMETER,
      ]);
    }
  });

  // _winapi.c normalize_environment: sorted without regard to case, the
  // last of two names that differ only in case kept.
  it('the environment block is sorted by name and a later duplicate name wins', async () => {
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      'const names = Object.keys(process.env).filter((k) => /^iocp_/i.test(k));' +
        'process.stdout.write(JSON.stringify(names.map((k) => [k, process.env[k]])))',
      [],
      {
        env: ['IOCP_b=1', SYSTEM_ROOT, 'IOCP_A=first', 'iocp_c=x=y', 'Iocp_a=last'],
        stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
      },
    );
    out.closeWrite();
    expect(JSON.parse(await readToEnd(t, out.read))).toEqual([
      ['Iocp_a', 'last'],
      ['IOCP_b', '1'],
      ['iocp_c', 'x=y'],
    ]);
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  it('an empty env gives the child an empty environment block', async () => {
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      'process.stdout.write(JSON.stringify(Object.keys(process.env)))',
      [],
      {
        env: [],
        stdio: [STDIO_NULL, out.write, STDIO_INHERIT],
      },
    );
    out.closeWrite();
    // Wine's loader adds its own WINE* variables, SystemDrive and
    // SystemRoot to every process; Windows adds nothing. None of ours, such
    // as PATH, may be there.
    const names = (JSON.parse(await readToEnd(t, out.read)) as string[]).filter(
      (name) => !(native.isWine() && /^(WINE|SystemDrive$|SystemRoot$)/.test(name)),
    );
    expect(names).toEqual([]);
    expect(await exitOf(t, child)).toEqual([1, 0]);
  });

  it('a stdio handle that is not open fails with ERROR_INVALID_HANDLE', () => {
    const pair = native.pipePair(false, true, false);
    if (typeof pair === 'number') throw new Error(`pipePair: ${pair}`);
    const [r, w] = pair;
    native.closeHandle(r);
    native.closeHandle(w);
    // w was just closed: its value names nothing now.
    expect(spawnRaw([process.execPath, '-e', '0'], { stdio: [STDIO_NULL, w, STDIO_NULL] })).toBe(
      -6,
    );
  });

  // The "the child's tree killed on kill() when the user asks for it".
  it('newGroup puts the child in a Job Object that a tree kill ends with its grandchild', async () => {
    const out = outputPipe(t);
    const child = spawnNode(
      t,
      "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });" +
        "process.stdout.write('ready'); setInterval(() => {}, 1000)",
      [],
      { stdio: [STDIO_NULL, out.write, STDIO_INHERIT], newGroup: true },
    );
    out.closeWrite();
    expect(child.group).not.toBe(0);
    expect(await readSome(t, out.read)).toBe('ready');
    expect(native.processSignal(child.handle, child.pid, child.group, 9, true)).toBe(0);
    expect(await exitOf(t, child)).toEqual([1, 1]);
    // The grandchild held the pipe's write end too: the end of the pipe
    // says the job took it down as well.
    expect(await readToEnd(t, out.read)).toBe('');
  });

  it('terminating an exited child, alone or as a tree, is not an error', async () => {
    const child = spawnNode(t, 'process.exit(0)', [], { newGroup: true });
    expect(await exitOf(t, child)).toEqual([1, 0]);
    expect(native.processSignal(child.handle, child.pid, child.group, 15)).toBe(0);
    expect(native.processSignal(child.handle, child.pid, child.group, 9, true)).toBe(0);
    expect(native.processStatus(child.handle, child.pid)).toEqual([1, 0]);
  });

  it('signals other than 2, 9, 15 and 21 are ERROR_INVALID_PARAMETER', async () => {
    const child = spawnNode(t, 'setInterval(() => {}, 1000)');
    for (const sig of [0, 1, 3, 6, 14]) {
      expect([sig, native.processSignal(child.handle, child.pid, child.group, sig)]).toEqual([
        sig,
        ERROR_INVALID_PARAMETER,
      ]);
    }
    expect(native.processStatus(child.handle, child.pid)).toEqual([0, 0]);
    expect(native.processSignal(child.handle, child.pid, child.group, 15)).toBe(0);
    expect(await exitOf(t, child)).toEqual([1, 1]);
  });

  it('an exit code above 2^31 comes back as its 32-bit two’s complement', async () => {
    const child = spawnNode(t, 'process.exit(-2)');
    const [state, value] = await exitOf(t, child);
    expect([state, value >>> 0]).toEqual([1, 0xfffffffe]);
  });
});
