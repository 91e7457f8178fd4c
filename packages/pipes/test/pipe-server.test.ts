// PipeServer on its own: the exclusive first instance (test_double_bind),
// close(), the options and the access each OS gives by default.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { PermissionError } from '@iocp/futures';
import { native } from '@iocp/native';
import { PipeHandle, pipeFolder, pipePath } from '@iocp/proactor';
import { PipeServer } from '@iocp/pipes';

import { address, isWindows, isWine } from './helpers';

// Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE (WINDOWS-CI.md: a second server
// on a live name succeeds there); Windows and Linux refuse it.
const itUnlessWine = isWine ? it.skip : it;
const onLinux = isWindows ? describe.skip : describe;
const onWindows = isWindows ? describe : describe.skip;

/** The ACEs of an SDDL DACL, as [type, rights, grantee]. */
function aces(sddl: string): Array<[string, string, string]> {
  return [...sddl.matchAll(/\(([^;]*);[^;]*;([^;]*);[^;]*;[^;]*;([^)]*)\)/g)].map((m) => [m[1], m[2], m[3]]);
}

describe('PipeServer', () => {
  const closeMe: Array<{ close(): unknown }> = [];
  afterEach(() => {
    for (const c of closeMe.splice(0).reverse()) c.close();
  });
  function track<T extends { close(): unknown }>(x: T): T {
    closeMe.push(x);
    return x;
  }

  itUnlessWine('a second server on a live name throws PermissionError (test_double_bind)', () => {
    const addr = address('double');
    const server1 = track(new PipeServer(addr));
    expect(() => new PipeServer(addr)).toThrow(PermissionError);
    server1.close();
    // Once the first is closed, the name is free again.
    track(new PipeServer(addr)).close();
  });

  it('close() closes every instance, once; closed() and address say so', () => {
    const addr = address('close');
    const server = new PipeServer(addr);
    expect(server.address).toBe(addr);
    expect(server.closed()).toBe(false);
    const spare = server._getUnconnectedPipe()!;
    const instances = [...server._freeInstances];
    expect(instances).toContain(spare);
    // Windows: the spare handed out and a new one; Linux: the one listener.
    expect(instances.length).toBe(isWindows ? 2 : 1);
    server.close();
    expect(server.closed()).toBe(true);
    expect(server.address).toBe(addr);
    expect(instances.every((p) => p.closed)).toBe(true);
    expect(server._getUnconnectedPipe()).toBeNull();
    server.close();
    expect(server.closed()).toBe(true);
    expect(native.pipeOpen(pipePath(addr))).toBe(isWindows ? -2 : -os.constants.errno.ENOENT);
  });

  it('a client finds the name while the server lives, with or without a free instance handed out', () => {
    const addr = address('spare');
    const server = track(new PipeServer(addr));
    const name = pipePath(addr);
    for (let i = 0; i < 3; i++) {
      server._getUnconnectedPipe();
      const h = native.pipeOpen(name);
      expect(h).toBeGreaterThanOrEqual(0);
      new PipeHandle(h).close();
    }
  });

  it('[Symbol.dispose] closes it', () => {
    const server = new PipeServer(address('dispose'));
    const instances = [...server._freeInstances];
    server[Symbol.dispose]();
    expect(server.closed()).toBe(true);
    expect(instances.every((p) => p.closed)).toBe(true);
  });

  it('checks its arguments before making anything', () => {
    expect(() => new PipeServer(42 as unknown as string)).toThrow(TypeError);
    expect(() => new PipeServer('not-a-pipe')).toThrow(RangeError);
    const addr = address('opts');
    expect(() => new PipeServer(addr, null as unknown as object)).toThrow(TypeError);
    expect(() => new PipeServer(addr, { messageMode: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => new PipeServer(addr, { maxInstances: 0 })).toThrow(RangeError);
    expect(() => new PipeServer(addr, { maxInstances: 256 })).toThrow(RangeError);
    expect(() => new PipeServer(addr, { inBufferSize: -1 })).toThrow(RangeError);
    expect(() => new PipeServer(addr, { outBufferSize: 1.5 })).toThrow(RangeError);
    expect(() => new PipeServer(addr, { bogus: 1 } as object)).toThrow(/opts.bogus is not a pipe server option/);
    if (isWindows) {
      expect(() => new PipeServer(addr, { mode: 0o660 })).toThrow(/opts.mode is a Linux option/);
    } else {
      expect(() => new PipeServer(addr, { sddl: 'D:P(A;;GA;;;WD)' })).toThrow(/opts.sddl is a Windows option/);
      expect(() => new PipeServer(addr, { mode: 0o1777 })).toThrow(RangeError);
    }
    // Nothing was made by the refused calls: the name is free.
    track(new PipeServer(addr));
  });

  onWindows('on Windows', () => {
    it('the instances grant the current user and SYSTEM only by default (the DACL read back)', () => {
      const server = track(new PipeServer(address('dacl')));
      for (const pipe of server._freeInstances) {
        const sddl = native.pipeSecurity(pipe.fileno());
        expect(typeof sddl).toBe('string');
        expect(sddl as string).toMatch(/^D:P/); // Protected: nothing inherited.
        const grantees = aces(sddl as string).map(([type, , who]) => `${type} ${who}`);
        expect(grantees.length).toBe(2);
        expect(grantees).toContain('A SY');
        expect(grantees.find((g) => g !== 'A SY')).toMatch(/^A S-1-5-/);
      }
    });

    it('sddl sets the DACL; a bad one is refused', () => {
      const server = track(new PipeServer(address('sddl'), { sddl: 'D:P(A;;GA;;;SY)(A;;GRGW;;;WD)' }));
      const [pipe] = [...server._freeInstances];
      const grantees = aces(native.pipeSecurity(pipe.fileno()) as string).map(([type, , who]) => `${type} ${who}`);
      expect(grantees.sort()).toEqual(['A SY', 'A WD']);
      expect(() => new PipeServer(address('badsddl'), { sddl: 'not sddl' })).toThrow(/sddl/);
    });
  });

  onLinux('on Linux', () => {
    it('the socket is 0600 in a 0700 folder of this user by default', () => {
      const addr = address('perm');
      track(new PipeServer(addr));
      const sock = fs.statSync(pipePath(addr));
      const dir = fs.statSync(pipeFolder());
      expect(sock.isSocket()).toBe(true);
      expect(sock.mode & 0o777).toBe(0o600);
      expect(sock.uid).toBe(process.geteuid!());
      expect(dir.isDirectory()).toBe(true);
      expect(dir.mode & 0o777).toBe(0o700);
      expect(dir.uid).toBe(process.geteuid!());
    });

    it('mode lets others in (an absolute socket path in a folder of ours)', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-pipes-mode-'));
      try {
        const server = new PipeServer(path.join(dir, 'group.sock'), { mode: 0o660 });
        expect(fs.statSync(path.join(dir, 'group.sock')).mode & 0o777).toBe(0o660);
        server.close();
        expect(fs.existsSync(path.join(dir, 'group.sock'))).toBe(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a pipe folder open to others, saying what is wrong with it', () => {
      const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-pipes-xdg-'));
      const saved = process.env.XDG_RUNTIME_DIR;
      process.env.XDG_RUNTIME_DIR = runtime;
      try {
        fs.mkdirSync(pipeFolder(), { mode: 0o755 });
        fs.chmodSync(pipeFolder(), 0o755);
        let err: unknown;
        try {
          new PipeServer(address('loose')).close();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(PermissionError);
        expect((err as Error).message).toContain(`the folder ${pipeFolder()} must be a folder of this user with mode 0700`);
        // Made private, it serves.
        fs.chmodSync(pipeFolder(), 0o700);
        new PipeServer(address('tight')).close();
      } finally {
        if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
        else process.env.XDG_RUNTIME_DIR = saved;
        fs.rmSync(runtime, { recursive: true, force: true });
      }
    });

    it('refuses a pipe folder that is a symlink', () => {
      const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-pipes-xdg-'));
      const saved = process.env.XDG_RUNTIME_DIR;
      process.env.XDG_RUNTIME_DIR = runtime;
      try {
        const real = path.join(runtime, 'elsewhere');
        fs.mkdirSync(real, { mode: 0o700 });
        fs.symlinkSync(real, pipeFolder());
        expect(() => new PipeServer(address('link'))).toThrow(PermissionError);
      } finally {
        if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
        else process.env.XDG_RUNTIME_DIR = saved;
        fs.rmSync(runtime, { recursive: true, force: true });
      }
    });

    it('message mode listens on a SOCK_SEQPACKET socket that clients find by themselves', () => {
      const addr = address('seq');
      track(new PipeServer(addr, { messageMode: true }));
      const h = native.pipeOpen(pipePath(addr));
      expect(h).toBeGreaterThanOrEqual(0);
      expect(native.getsockopt(h, native.constants.SOL_SOCKET, 3 /* SO_TYPE */)).toBe(5 /* SOCK_SEQPACKET */);
      new PipeHandle(h).close();
    });
  });
});
