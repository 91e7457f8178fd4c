// Named pipes through IocpProactor (acceptPipe, connectPipe), PipeHandle and
// pipe(), on this process's backend. Cases ported from CPython's
// test_windows_events.py ProactorTests (test_pipe, test_double_bind,
// test_connect_pipe_cancel) and test_windows_utils.py PipeTests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  CancelledError,
  ConnectionResetError,
  FileNotFoundError,
  OSError,
  PermissionError,
  RuntimeError,
} from '@iocp/futures';
import { native } from '@iocp/native';
import {
  IocpProactor,
  PIPE_PREFIX,
  PipeHandle,
  Socket,
  createPipeInstance,
  pipe,
  pipeFolder,
  pipePath,
} from '@iocp/proactor';

import { openFds } from './helpers';

const isWindows = process.platform === 'win32';
// Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE (docs/windows-testing.md), so
// the exclusive-name case, which checks Windows' ERROR_ACCESS_DENIED, is
// skipped there, and only it.
const itUnlessWine = native.isWine() ? it.skip : it;

let serial = 0;
function address(): string {
  serial += 1;
  return `${PIPE_PREFIX}iocp-test-${process.pid}-${serial}`;
}

describe('named pipes through IocpProactor', () => {
  let proactor: IocpProactor;
  const closeMe: Array<{ close(): unknown }> = [];

  beforeEach(() => {
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const c of closeMe.splice(0).reverse()) c.close();
    await proactor.close();
  });

  function track<T extends { close(): unknown }>(x: T): T {
    closeMe.push(x);
    return x;
  }

  /**
   * A server as CPython's PipeServer runs one: on Windows a spare instance is
   * made before waiting on the current one, so clients always find one; on
   * Linux the one listening instance serves every client.
   */
  class Server {
    instance: PipeHandle;
    constructor(readonly address: string) {
      this.instance = track(createPipeInstance(address));
    }

    async accept(): Promise<PipeHandle> {
      const current = this.instance;
      if (isWindows) this.instance = track(createPipeInstance(this.address, { first: false }));
      const conn = await proactor.acceptPipe(current);
      if (isWindows) expect(conn).toBe(current);
      else expect(conn).not.toBe(current);
      return track(conn);
    }
  }

  it('connectPipe with no server rejects with FileNotFoundError', async () => {
    await expect(proactor.connectPipe(address())).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('acceptPipe and connectPipe connect a client; send and recv work both ways', async () => {
    const server = new Server(address());
    const accepting = server.accept();
    const client = track(await proactor.connectPipe(server.address));
    expect(client).toBeInstanceOf(PipeHandle);
    const conn = await accepting;
    const got = proactor.recv(conn, 100);
    expect(await proactor.send(client, Buffer.from('ping'))).toBe(4);
    expect((await got).toString()).toBe('ping');
    const back = proactor.recv(client, 100);
    expect(await proactor.send(conn, Buffer.from('pong'))).toBe(4);
    expect((await back).toString()).toBe('pong');
  });

  it('serves five clients one after another, each answered on its own connection (test_pipe)', async () => {
    const server = new Server(address());
    const clients: PipeHandle[] = [];
    const conns: PipeHandle[] = [];
    for (let i = 0; i < 5; i++) {
      const accepting = server.accept();
      clients.push(track(await proactor.connectPipe(server.address)));
      conns.push(await accepting);
    }
    await Promise.all(clients.map((c, i) => proactor.send(c, Buffer.from(`lower-${i}\n`))));
    for (let i = 0; i < 5; i++) {
      const line = (await proactor.recv(conns[i], 100)).toString();
      expect(line).toBe(`lower-${i}\n`);
      await proactor.send(conns[i], Buffer.from(line.toUpperCase()));
    }
    for (let i = 0; i < 5; i++) {
      expect((await proactor.recv(clients[i], 100)).toString()).toBe(`LOWER-${i}\n`);
    }
  });

  it('after the server closed, connectPipe rejects with FileNotFoundError again', async () => {
    const server = new Server(address());
    const accepting = server.accept();
    const client = track(await proactor.connectPipe(server.address));
    const conn = await accepting;
    // Windows: a name lives while any server handle of it (the connected
    // one too) is open; CPython's test closes its transports first as well.
    client.close();
    conn.close();
    server.instance.close();
    await expect(proactor.connectPipe(server.address)).rejects.toBeInstanceOf(FileNotFoundError);
    // Linux: the socket file went with the server.
    if (!isWindows) expect(fs.existsSync(pipePath(server.address))).toBe(false);
  });

  itUnlessWine('a second server on a live name throws PermissionError (test_double_bind)', () => {
    const addr = address();
    track(createPipeInstance(addr));
    expect(() => createPipeInstance(addr)).toThrow(PermissionError);
  });

  it('a message longer than the receive size arrives over several recvs', async () => {
    const server = new Server(address());
    const accepting = server.accept();
    const client = track(await proactor.connectPipe(server.address));
    const conn = await accepting;
    await proactor.send(client, Buffer.from('abcdefgh'));
    expect((await proactor.recv(conn, 5)).toString()).toBe('abcde');
    expect((await proactor.recv(conn, 5)).toString()).toBe('fgh');
  });

  it('recv resolves to an empty buffer when the other end closes', async () => {
    const server = new Server(address());
    const accepting = server.accept();
    const client = await proactor.connectPipe(server.address);
    const conn = await accepting;
    const got = proactor.recv(conn, 10);
    client.close();
    expect((await got).length).toBe(0);
  });

  it('closing a PipeHandle under a pending recv rejects it with ConnectionResetError', async () => {
    const server = new Server(address());
    const accepting = server.accept();
    track(await proactor.connectPipe(server.address));
    const conn = await accepting;
    const pending = proactor.recv(conn, 100);
    conn.close();
    await expect(pending).rejects.toBeInstanceOf(ConnectionResetError);
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  it('cancelling acceptPipe cancels the wait; a client that connects right then is not lost', async () => {
    const server = new Server(address());
    const first = proactor.acceptPipe(server.instance);
    expect(first.cancel()).toBe(true);
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    const accepting = server.accept();
    const client = track(await proactor.connectPipe(server.address));
    const conn = await accepting;
    const got = proactor.recv(conn, 10);
    await proactor.send(client, Buffer.from('after'));
    expect((await got).toString()).toBe('after');
  });

  (isWindows ? it.skip : it)('Linux: acceptPipe calls on one instance are served in order, one client each', async () => {
    // On Windows an instance takes one client; more come through more instances.
    const addr = address();
    const instance = track(createPipeInstance(addr));
    const waits = [proactor.acceptPipe(instance), proactor.acceptPipe(instance), proactor.acceptPipe(instance)];
    const clients: PipeHandle[] = [];
    for (let i = 0; i < 3; i++) {
      clients.push(track(await proactor.connectPipe(addr)));
      await proactor.send(clients[i], Buffer.from(`client-${i}`));
    }
    const conns = (await Promise.all(waits)).map(track);
    for (let i = 0; i < 3; i++) expect((await proactor.recv(conns[i], 20)).toString()).toBe(`client-${i}`);
  });

  it('closing an instance drops the clients nobody accepted, and leaks nothing', async () => {
    const before = openFds();
    const addr = address();
    const instance = createPipeInstance(addr);
    const waiting = proactor.acceptPipe(instance);
    waiting.cancel();
    const client = await proactor.connectPipe(addr);
    const got = proactor.recv(client, 10);
    instance.close();
    // The client was taken by the cancelled accept and then closed, or was
    // still in the backlog: either way its connection ends.
    const end = await got.then((b) => b.length, (e: Error) => e.name);
    expect([0, 'ConnectionResetError']).toContain(end);
    client.close();
    if (before >= 0) expect(openFds()).toBe(before);
  });

  it('closing the instance under a pending acceptPipe rejects it with a plain OSError, not a reset', async () => {
    // CPython's accept_pipe finisher raises the OSError of the aborted
    // ConnectNamedPipe; only reads and writes turn it into a reset.
    const instance = track(createPipeInstance(address()));
    const pending = proactor.acceptPipe(instance);
    instance.close();
    const err = (await pending.then(() => null, (e: unknown) => e)) as OSError;
    expect(err).toBeInstanceOf(OSError);
    expect(err).not.toBeInstanceOf(ConnectionResetError);
    expect(err.code).toBe('ECANCELED');
  });

  describe('connectPipe on a busy pipe (test_connect_pipe_cancel)', () => {
    /** A pipe that exists but takes no client now; connectPipe(busyAddress) keeps retrying. */
    async function busyPipe(): Promise<string> {
      if (isWindows) {
        // One instance, taken by a first client.
        const addr = address();
        track(createPipeInstance(addr));
        track(await proactor.connectPipe(addr));
        return addr;
      }
      // A listener whose backlog (0) holds one waiting connection: the next finds it full.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-busy-'));
      track({ close: () => fs.rmSync(dir, { recursive: true, force: true }) });
      const addr = path.join(dir, 'busy.sock');
      const listener = track(new Socket('unix'));
      listener.bind(addr);
      listener.listen(0);
      track(await proactor.connectPipe(addr));
      return addr;
    }

    it('cancelling it stops the retries, and nothing is left open', async () => {
      const addr = await busyPipe();
      const before = openFds();
      let calls = 0;
      let thirdCall: () => void = () => undefined;
      const retried = new Promise<void>((resolve) => (thirdCall = resolve));
      const real = native.pipeOpen.bind(native);
      jest.spyOn(native, 'pipeOpen').mockImplementation((name) => {
        calls += 1;
        if (calls === 3) thirdCall();
        return real(name);
      });
      const connecting = proactor.connectPipe(addr);
      await retried;
      expect(connecting.done()).toBe(false);
      expect(connecting.cancel()).toBe(true);
      await expect(connecting).rejects.toBeInstanceOf(CancelledError);
      const after = calls;
      // Longer than the longest sleep between tries (100 ms): no try comes.
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(calls).toBe(after);
      expect(openFds()).toBe(before);
    });

    it('proactor.close() cancels it at once', async () => {
      const addr = await busyPipe();
      const connecting = proactor.connectPipe(addr);
      expect(connecting.done()).toBe(false);
      const closing = proactor.close();
      expect(connecting.cancelled()).toBe(true);
      await closing;
      await expect(connecting).rejects.toBeInstanceOf(CancelledError);
    });
  });

  describe('the retry schedule (CONNECT_PIPE_INIT_DELAY, CONNECT_PIPE_MAX_DELAY)', () => {
    beforeEach(() => {
      // Only the timers: futures resolve through microtasks and setImmediate.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('tries again after 2, 4, 8, ... ms, at most 100 ms apart, until cancelled', async () => {
      const busy = isWindows ? -231 : -11;
      const tries: number[] = [];
      jest.spyOn(native, 'pipeOpen').mockImplementation(() => {
        tries.push(Date.now());
        return busy;
      });
      const start = Date.now();
      const connecting = proactor.connectPipe(address());
      expect(tries).toEqual([start]);
      for (const delay of [2, 4, 8, 16, 32, 64, 100, 100]) {
        await jest.advanceTimersByTimeAsync(delay - 1);
        const count = tries.length;
        await jest.advanceTimersByTimeAsync(1);
        expect(tries.length).toBe(count + 1);
      }
      const gaps = tries.slice(1).map((t, i) => t - tries[i]);
      expect(gaps).toEqual([2, 4, 8, 16, 32, 64, 100, 100]);
      connecting.cancel();
      await jest.advanceTimersByTimeAsync(1000);
      expect(tries.length).toBe(9);
      await expect(connecting).rejects.toBeInstanceOf(CancelledError);
    });
  });

  it('acceptPipe and connectPipe throw RuntimeError after close', async () => {
    const instance = track(createPipeInstance(address()));
    await proactor.close();
    expect(() => proactor.acceptPipe(instance)).toThrow(RuntimeError);
    expect(() => proactor.connectPipe(address())).toThrow('IocpProactor is closed');
  });

  it('rejects bad arguments: TypeError for a wrong type, RangeError for a bad name', () => {
    expect(() => proactor.connectPipe(5 as unknown as string)).toThrow(TypeError);
    expect(() => proactor.connectPipe('no-pipe-name')).toThrow(RangeError);
    expect(() => proactor.connectPipe(PIPE_PREFIX)).toThrow(RangeError);
    expect(() => proactor.connectPipe(`${PIPE_PREFIX}a\\b`)).toThrow(RangeError);
    expect(() => proactor.connectPipe(`${PIPE_PREFIX}..`)).toThrow(RangeError);
    expect(() => proactor.acceptPipe({} as PipeHandle)).toThrow(TypeError);
    const [a] = Socket.pair().map(track);
    expect(() => proactor.acceptPipe(a as unknown as PipeHandle)).toThrow(TypeError);
    expect(() => createPipeInstance(address(), { first: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => createPipeInstance(address(), { bufsize: -1 })).toThrow(RangeError);
  });

  it('leaves no file descriptor open after a whole exchange (Linux)', async () => {
    const before = openFds();
    const server = new Server(address());
    const accepting = server.accept();
    const client = await proactor.connectPipe(server.address);
    const conn = await accepting;
    const got = proactor.recv(conn, 10);
    await proactor.send(client, Buffer.from('x'));
    await got;
    await expect(proactor.connectPipe(address())).rejects.toBeInstanceOf(FileNotFoundError);
    for (const c of closeMe.splice(0).reverse()) c.close();
    client.close();
    if (before >= 0) expect(openFds()).toBe(before);
  });
});

describe('pipe() (test_windows_utils.py PipeTests)', () => {
  let proactor: IocpProactor;
  const closeMe: PipeHandle[] = [];

  beforeEach(() => {
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    for (const p of closeMe.splice(0)) p.close();
    await proactor.close();
  });

  it('gives a read end and a write end that carry data (test_pipe_overlapped)', async () => {
    const [r, w] = pipe();
    closeMe.push(r, w);
    const got = proactor.recv(r, 100);
    expect(await proactor.send(w, Buffer.from('hello'))).toBe(5);
    expect((await got).toString()).toBe('hello');
  });

  it('duplex: both ends read and write', async () => {
    const [a, b] = pipe({ duplex: true });
    closeMe.push(a, b);
    const atB = proactor.recv(b, 100);
    await proactor.send(a, Buffer.from('one'));
    expect((await atB).toString()).toBe('one');
    const atA = proactor.recv(a, 100);
    await proactor.send(b, Buffer.from('two'));
    expect((await atA).toString()).toBe('two');
  });

  it('reading a pipe whose write end closed resolves to an empty buffer', async () => {
    const [r, w] = pipe();
    closeMe.push(r);
    const got = proactor.recv(r, 100);
    w.close();
    expect((await got).length).toBe(0);
  });

  it('a PipeHandle owns its handle: fileno, handle, toString, idempotent close (test_pipe_handle)', () => {
    const [r, w] = pipe();
    w.close();
    const h = r.handle;
    const target = isWindows ? '' : fs.readlinkSync(`/proc/self/fd/${h}`);
    expect(r.fileno()).toBe(h);
    expect(r.closed).toBe(false);
    expect(String(r)).toBe(`<PipeHandle handle=${h}>`);
    r[Symbol.dispose]();
    expect(r.closed).toBe(true);
    expect(r.handle).toBe(-1);
    expect(String(r)).toBe('<PipeHandle closed>');
    expect(() => r.fileno()).toThrow('I/O operation on closed pipe');
    r.close();
    if (!isWindows) {
      // The fd really is closed (its number may be in use again, by something else).
      let now = '';
      try {
        now = fs.readlinkSync(`/proc/self/fd/${h}`);
      } catch {
        // Not open: closed.
      }
      expect(now).not.toBe(target);
    }
    expect(() => proactor.recv(r, 1)).toThrow('I/O operation on closed pipe');
  });

  it('rejects bad options and handles with TypeError and RangeError', () => {
    expect(() => pipe({ duplex: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => pipe({ overlapped: [true] as unknown as [boolean, boolean] })).toThrow(TypeError);
    expect(() => pipe({ bufsize: -1 })).toThrow(RangeError);
    expect(() => pipe({ bufsize: '1' as unknown as number })).toThrow(TypeError);
    expect(() => new PipeHandle('3' as unknown as number)).toThrow(TypeError);
    expect(() => new PipeHandle(-1)).toThrow(RangeError);
  });

  it('leaves no file descriptor open (Linux)', () => {
    const before = openFds();
    for (const duplex of [false, true]) {
      const ends = pipe({ duplex, overlapped: [true, false] });
      ends.forEach((p) => p.close());
    }
    if (before >= 0) expect(openFds()).toBe(before);
  });
});

describe('pipe names', () => {
  const saved = process.env.XDG_RUNTIME_DIR;

  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = saved;
  });

  if (isWindows) {
    it('are used as they are on Windows', () => {
      expect(pipePath('\\\\.\\pipe\\my-pipe')).toBe('\\\\.\\pipe\\my-pipe');
      expect(() => pipePath('C:\\temp\\x')).toThrow(RangeError);
    });
  } else {
    it('map \\\\.\\pipe\\NAME into the private folder under XDG_RUNTIME_DIR or /tmp', () => {
      const uid = process.geteuid!();
      process.env.XDG_RUNTIME_DIR = '/run/user/4242';
      expect(pipeFolder()).toBe(`/run/user/4242/iocp-pipes-${uid}`);
      expect(pipePath('\\\\.\\pipe\\my-pipe')).toBe(`/run/user/4242/iocp-pipes-${uid}/my-pipe`);
      expect(pipePath('\\\\.\\PIPE\\Case')).toBe(`/run/user/4242/iocp-pipes-${uid}/Case`);
      delete process.env.XDG_RUNTIME_DIR;
      expect(pipePath('\\\\.\\pipe\\my-pipe')).toBe(`/tmp/iocp-pipes-${uid}/my-pipe`);
      process.env.XDG_RUNTIME_DIR = 'relative/dir';
      expect(pipeFolder()).toBe(`/tmp/iocp-pipes-${uid}`);
    });

    it('a private folder someone else could use is refused with PermissionError by servers and clients', async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-xdg-'));
      const proactor = new IocpProactor();
      try {
        process.env.XDG_RUNTIME_DIR = base;
        fs.mkdirSync(pipeFolder());
        fs.chmodSync(pipeFolder(), 0o777);
        expect(() => createPipeInstance(address())).toThrow(PermissionError);
        expect(() => createPipeInstance(address())).toThrow(/must be a folder of this user with mode 0700/);
        await expect(proactor.connectPipe(address())).rejects.toBeInstanceOf(PermissionError);
      } finally {
        await proactor.close();
        fs.rmSync(base, { recursive: true, force: true });
      }
    });

    it('take an absolute path as it is, and refuse what cannot be a socket path', () => {
      expect(pipePath('/var/run/app.sock')).toBe('/var/run/app.sock');
      expect(() => pipePath('relative.sock')).toThrow(RangeError);
      expect(() => pipePath('/tmp/dir/')).toThrow(RangeError);
      expect(() => pipePath(`/tmp/${'x'.repeat(200)}`)).toThrow(/too long/);
      expect(() => pipePath(`\\\\.\\pipe\\${'x'.repeat(150)}`)).toThrow(/too long/);
    });
  }

  it('refuse a wrong type with TypeError and a malformed name with RangeError', () => {
    expect(() => pipePath(undefined)).toThrow(TypeError);
    expect(() => pipePath('\\\\.\\pipe\\a\0b')).toThrow(RangeError);
    expect(() => pipePath('\\\\.\\pipe\\a/b')).toThrow(RangeError);
    expect(() => pipePath(`\\\\.\\pipe\\${'x'.repeat(300)}`)).toThrow(RangeError);
  });
});
