// The pipe primitives (src/common/os.h "Pipes": src/win/os_pipe.cc,
// src/linux/os_pipe.cc): named-pipe server instances and client ends, data
// through them on every backend, pipePair (ports of CPython's
// test_windows_utils.py PipeTests), and on Linux the socket-file rules
// (private folder, leftover files, squatting).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, codeOf, describeLinux, expectArgError, isWindows, openFds } from './helpers';

// Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE (docs/windows-testing.md): a
// second first instance of a live name succeeds there. Windows refuses it
// with ERROR_ACCESS_DENIED, which is what these cases check, so under Wine
// they are skipped, and only they.
const itUnlessWine = native.isWine() ? it.skip : it;
const describeWindows = isWindows ? describe : describe.skip;

let serial = 0;
let dirs: string[] = [];

/**
 * A pipe name of this test: \\.\pipe\... on Windows; on Linux a path in a
 * fresh private folder (named iocp-pipes-<euid>, so the native code makes it
 * 0700 and checks it) under a temporary directory.
 */
function pipeName(): string {
  serial += 1;
  if (isWindows) return `\\\\.\\pipe\\iocp-native-test-${process.pid}-${serial}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-native-pipes-'));
  dirs.push(dir);
  return path.join(dir, `iocp-pipes-${process.geteuid!()}`, `p${serial}`);
}

afterEach(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function ok(r: number, what: string): number {
  if (r < 0) throw new Error(`${what}: ${codeOf(r)} (${r})`);
  return r;
}

/** Closes these handles at the end of a synchronous test. */
function closing<T>(handles: number[], fn: () => T): T {
  try {
    return fn();
  } finally {
    for (const h of handles.splice(0)) native.closeHandle(h);
  }
}

describe.each(availableBackends())('named pipes on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  /** Takes a pipe handle into the test: associated with the core, closed at the end. */
  function own(h: number): number {
    ok(h, 'pipe');
    t.defer(() => native.closeHandle(h));
    ok(t.core.associate(h), 'associate');
    return h;
  }

  /** Waits for a client on a server instance; returns the server end of the connection. */
  async function accepted(instance: number): Promise<number> {
    if (isWindows) {
      // ConnectNamedPipe: the instance itself becomes the connection.
      expect((await t.run((c) => c.acceptPipe(instance))).result).toBe(0);
      return instance;
    }
    // A listening Unix socket: accept makes a new connection, the instance keeps listening.
    const r = await t.run((c) => c.accept(instance, C.AF_UNIX));
    return own(r.result);
  }

  async function read(h: number, size: number): Promise<Buffer> {
    const buf = Buffer.alloc(size);
    const { result } = await t.run((c) => c.read(h, buf, -1));
    return buf.subarray(0, ok(result, 'read'));
  }

  async function write(h: number, text: string): Promise<number> {
    return ok((await t.run((c) => c.write(h, Buffer.from(text), -1))).result, 'write');
  }

  it('a client connects to a server instance and data flows both ways', async () => {
    const name = pipeName();
    const instance = own(native.pipeInstance(name, true));
    const accepting = accepted(instance);
    const client = own(native.pipeOpen(name));
    const server = await accepting;
    const got = read(server, 16);
    expect(await write(client, 'ping')).toBe(4);
    expect((await got).toString()).toBe('ping');
    const back = read(client, 16);
    expect(await write(server, 'pong')).toBe(4);
    expect((await back).toString()).toBe('pong');
  });

  it('a client that came before the server waited is accepted at once (ERROR_PIPE_CONNECTED)', async () => {
    const name = pipeName();
    const instance = own(native.pipeInstance(name));
    const client = own(native.pipeOpen(name));
    const server = await accepted(instance);
    const got = read(server, 8);
    await write(client, 'early');
    expect((await got).toString()).toBe('early');
  });

  it('a message longer than the read buffer arrives in pieces, nothing lost', async () => {
    const name = pipeName();
    const instance = own(native.pipeInstance(name));
    const accepting = accepted(instance);
    const client = own(native.pipeOpen(name));
    const server = await accepting;
    await write(client, 'hello');
    // Windows: a message-mode read of 3 bytes ends with ERROR_MORE_DATA, a
    // success; the rest comes with the next read. Linux: a byte stream.
    expect((await read(server, 3)).toString()).toBe('hel');
    expect((await read(server, 3)).toString()).toBe('lo');
  });

  it('a read ends with 0 bytes (EOF) when the other end closes', async () => {
    const name = pipeName();
    const instance = own(native.pipeInstance(name));
    const accepting = accepted(instance);
    const client = native.pipeOpen(name);
    ok(client, 'pipeOpen');
    const server = await accepting;
    const got = t.run((c) => c.read(server, Buffer.alloc(8), -1));
    native.closeHandle(client);
    expect((await got).result).toBe(0);
  });

  it('pipePair: overlapped ends carry data from the write end to the read end (test_pipe_overlapped)', async () => {
    const pair = native.pipePair(false, true, true);
    if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
    const [r, w] = pair.map(own);
    const got = read(r, 100);
    expect(await write(w, 'hello')).toBe(5);
    expect((await got).toString()).toBe('hello');
  });

  it('pipePair(duplex): both ends read and write', async () => {
    const pair = native.pipePair(true);
    if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
    const [a, b] = pair.map(own);
    const atB = read(b, 16);
    await write(a, 'there');
    expect((await atB).toString()).toBe('there');
    const atA = read(a, 16);
    await write(b, 'back');
    expect((await atA).toString()).toBe('back');
  });
});

// Handles a test opened; closed after each test.
const open: number[] = [];

afterEach(() => {
  for (const h of open.splice(0)) native.closeHandle(h);
});

/** Checks a handle (or fails with its error) and closes it after the test. */
function keep(h: number, what = 'pipe'): number {
  open.push(ok(h, what));
  return h;
}

describe('pipe primitives', () => {

  it('pipeOpen with no server fails with ENOENT (ERROR_FILE_NOT_FOUND)', () => {
    const r = native.pipeOpen(pipeName());
    expect(codeOf(r)).toBe('ENOENT');
    if (isWindows) expect(r).toBe(-2);
  });

  itUnlessWine('a second first instance of a live name is refused with EACCES (ERROR_ACCESS_DENIED)', () => {
    const name = pipeName();
    keep(native.pipeInstance(name, true));
    const r = native.pipeInstance(name, true);
    expect(codeOf(r)).toBe('EACCES');
    if (isWindows) expect(r).toBe(-5);
  });

  it('first = false adds an instance on Windows; on Linux a live name stays exclusive', () => {
    const name = pipeName();
    keep(native.pipeInstance(name, true));
    const r = native.pipeInstance(name, false);
    if (isWindows) {
      keep(r);
      // Two instances: two clients can connect.
      keep(native.pipeOpen(name));
      keep(native.pipeOpen(name));
    } else {
      expect(codeOf(r)).toBe('EACCES');
    }
  });

  it('pipeOpen on a pipe whose instances are all taken fails with ERROR_PIPE_BUSY / EAGAIN', () => {
    const name = pipeName();
    if (isWindows) {
      keep(native.pipeInstance(name));
      keep(native.pipeOpen(name));
      expect(native.pipeOpen(name)).toBe(-231);
      return;
    }
    // A listener with a backlog of 0 queues one connection; the next finds it full.
    fs.mkdirSync(path.dirname(name), { mode: 0o700 });
    const listener = keep(native.socket(C.AF_UNIX, C.SOCK_STREAM), 'socket');
    const addr = native.encodeAddress(C.AF_UNIX, name, 0) as Uint8Array;
    expect(native.bind(listener, addr)).toBe(0);
    expect(native.listen(listener, 0)).toBe(0);
    keep(native.pipeOpen(name));
    expect(codeOf(native.pipeOpen(name))).toBe('EAGAIN');
  });

  it('rejects bad arguments with TypeError and RangeError naming them', () => {
    expectArgError(() => native.pipeInstance(5 as unknown as string), 'TypeError', 'name');
    expectArgError(() => native.pipeInstance(''), 'RangeError', 'name');
    expectArgError(() => native.pipeInstance('/tmp/a\0b'), 'RangeError', 'name');
    expectArgError(() => native.pipeInstance('/tmp/x', 'yes' as unknown as boolean), 'TypeError', 'first');
    expectArgError(() => native.pipeInstance('/tmp/x', true, 1 as unknown as boolean), 'TypeError', 'rejectRemote');
    expectArgError(() => native.pipeInstance('/tmp/x', true, true, -1), 'RangeError', 'bufsize');
    expectArgError(() => native.pipeInstance('/tmp/x', true, true, 1.5), 'RangeError', 'bufsize');
    expectArgError(() => native.pipeOpen(undefined as unknown as string), 'TypeError', 'name');
    expectArgError(() => native.pipeOpen(''), 'RangeError', 'name');
    expectArgError(() => native.pipeRelease(null as unknown as string), 'TypeError', 'name');
    expectArgError(() => native.pipePair('no' as unknown as boolean), 'TypeError', 'duplex');
    expectArgError(() => native.pipePair(true, 0 as unknown as boolean), 'TypeError', 'overlappedRead');
    expectArgError(() => native.pipePair(true, true, 'x' as unknown as boolean), 'TypeError', 'overlappedWrite');
    expectArgError(() => native.pipePair(true, true, true, 2 ** 31), 'RangeError', 'bufsize');
  });
});

describeWindows('named pipes on Windows', () => {
  it('pipeRelease has nothing to do', () => {
    expect(native.pipeRelease('\\\\.\\pipe\\iocp-never-made')).toBe(0);
  });

  it('a name that is not a pipe name fails with the OS error', () => {
    expect(codeOf(native.pipeInstance('C:\\not-a-pipe'))).not.toBe('OK');
    expect(codeOf(native.pipeOpen('\\\\.\\pipe\\iocp-no-such-pipe'))).toBe('ENOENT');
  });
});

describeLinux('Unix socket files of named pipes', () => {

  /** A Unix socket file nobody listens on: what a server that crashed leaves. */
  function leftover(name: string): void {
    const s = ok(native.socket(C.AF_UNIX, C.SOCK_STREAM), 'socket');
    closing([s], () => expect(native.bind(s, native.encodeAddress(C.AF_UNIX, name, 0) as Uint8Array)).toBe(0));
    expect(fs.lstatSync(name).isSocket()).toBe(true);
  }

  it('a server makes the private folder 0700 and its socket 0600, and leaves no temporary name', () => {
    const name = pipeName();
    keep(native.pipeInstance(name));
    const folder = path.dirname(name);
    expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
    expect(fs.lstatSync(name).isSocket()).toBe(true);
    expect(fs.statSync(name).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(folder)).toEqual([path.basename(name)]);
  });

  it('a leftover socket file reads as no server, and a new server replaces it', () => {
    const name = pipeName();
    fs.mkdirSync(path.dirname(name), { mode: 0o700 });
    leftover(name);
    expect(codeOf(native.pipeOpen(name))).toBe('ENOENT');
    keep(native.pipeInstance(name, true));
    keep(native.pipeOpen(name));
  });

  it('anything but a socket at the name is left alone (EEXIST)', () => {
    const name = pipeName();
    fs.mkdirSync(path.dirname(name), { mode: 0o700 });
    fs.writeFileSync(name, 'mine');
    expect(codeOf(native.pipeInstance(name))).toBe('EEXIST');
    expect(fs.readFileSync(name, 'utf8')).toBe('mine');
  });

  it('pipeRelease removes the socket file once its server closed, and never a live one', () => {
    const name = pipeName();
    const server = keep(native.pipeInstance(name));
    expect(native.pipeRelease(name)).toBe(0);
    expect(fs.existsSync(name)).toBe(true);
    keep(native.pipeOpen(name));
    open.splice(open.indexOf(server), 1);
    native.closeHandle(server);
    expect(native.pipeRelease(name)).toBe(0);
    expect(fs.existsSync(name)).toBe(false);
    expect(native.pipeRelease(name)).toBe(0);
  });

  it.each([
    [
      'open to others (0755)',
      (folder: string) => {
        fs.mkdirSync(folder);
        fs.chmodSync(folder, 0o755);
      },
    ],
    [
      'a symlink to a private folder',
      (folder: string) => {
        const real = `${folder}-real`;
        fs.mkdirSync(real, { mode: 0o700 });
        fs.symlinkSync(real, folder);
      },
    ],
  ])('a private folder that is %s is refused with EPERM by servers and clients', (_label, make) => {
    const name = pipeName();
    const folder = path.dirname(name);
    make(folder);
    expect(codeOf(native.pipeInstance(name))).toBe('EPERM');
    expect(codeOf(native.pipeOpen(name))).toBe('EPERM');
  });

  it('a folder with another name is used as it is, whatever its mode', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-native-pipes-'));
    dirs.push(dir);
    fs.chmodSync(dir, 0o755);
    const name = path.join(dir, 'plain.sock');
    keep(native.pipeInstance(name));
    keep(native.pipeOpen(name));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
  });

  it('rejects a relative path with EINVAL and a path longer than sun_path with ENAMETOOLONG', () => {
    expect(codeOf(native.pipeInstance('relative/name'))).toBe('EINVAL');
    expect(codeOf(native.pipeOpen('relative/name'))).toBe('EINVAL');
    expect(codeOf(native.pipeInstance(`/tmp/${'x'.repeat(120)}`))).toBe('ENAMETOOLONG');
  });

  it('pipePair ends are close-on-exec, and non-blocking exactly where overlapped', () => {
    const flagsOf = (fd: number): number => {
      const line = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').find((l) => l.startsWith('flags:'));
      return parseInt(line!.split(/\s+/)[1], 8);
    };
    const O_NONBLOCK = 0o4000;
    const O_CLOEXEC = 0o2000000;
    for (const duplex of [false, true]) {
      const pair = native.pipePair(duplex, true, false);
      if (typeof pair === 'number') throw new Error(`pipePair: ${codeOf(pair)}`);
      const [r, w] = pair.map((h) => keep(h));
      expect(flagsOf(r) & O_NONBLOCK).toBe(O_NONBLOCK);
      expect(flagsOf(w) & O_NONBLOCK).toBe(0);
      expect(flagsOf(r) & O_CLOEXEC).toBe(O_CLOEXEC);
      expect(flagsOf(w) & O_CLOEXEC).toBe(O_CLOEXEC);
    }
  });

  it('leaves no descriptor open on any path, failing ones included', () => {
    const before = openFds();
    const name = pipeName();
    const server = ok(native.pipeInstance(name), 'pipeInstance');
    expect(codeOf(native.pipeInstance(name))).toBe('EACCES');
    const client = ok(native.pipeOpen(name), 'pipeOpen');
    native.closeHandle(client);
    native.closeHandle(server);
    expect(native.pipeRelease(name)).toBe(0);
    expect(codeOf(native.pipeOpen(name))).toBe('ENOENT');
    leftover(name);
    expect(codeOf(native.pipeOpen(name))).toBe('ENOENT');
    const again = ok(native.pipeInstance(name), 'pipeInstance');
    native.closeHandle(again);
    native.pipeRelease(name);
    const pair = native.pipePair(true) as [number, number];
    pair.forEach((h) => native.closeHandle(h));
    expect(openFds()).toBe(before);
  });
});
