// Security of pipe names and servers (issue "Reliability and security"):
// names cannot escape the Linux pipe folder and cannot be longer than a
// Unix socket address; a pipe folder owned by another user is refused;
// squatting (a live server of another process, a file planted at the name)
// is refused and the squatter's file left alone; servers reject remote
// clients on Windows. The folder that is open to others or a symlink,
// the first-instance rule in one process and two processes racing over a
// leftover socket are in pipe-server.test.ts and pipe-race.test.ts.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FileExistsError, PermissionError } from '@iocp/futures';
import { native } from '@iocp/native';
import { IocpProactor, PIPE_PREFIX, pipeFolder, pipePath } from '@iocp/proactor';
import { PipeServer, openPipeConnection } from '@iocp/pipes';

import { address, isWindows } from './helpers';

const onLinux = isWindows ? describe.skip : describe;
// chown to another user needs root (CI runs the suite as root).
const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;

/** Runs body with XDG_RUNTIME_DIR set to a fresh folder, so the pipe folder is a fresh one. */
async function withRuntimeDir(body: (runtime: string) => Promise<void> | void): Promise<void> {
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-sec-'));
  const saved = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = runtime;
  try {
    await body(runtime);
  } finally {
    if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = saved;
    fs.rmSync(runtime, { recursive: true, force: true });
  }
}

/** What `fn` threw, or rejected with. */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('pipe names cannot escape the pipe folder or overflow a socket address', () => {
  const escaping = [
    `${PIPE_PREFIX}..`,
    `${PIPE_PREFIX}.`,
    `${PIPE_PREFIX}`,
    `${PIPE_PREFIX}../etc/x`,
    `${PIPE_PREFIX}..\\x`,
    `${PIPE_PREFIX}a/../../x`,
    `${PIPE_PREFIX}/etc/passwd`,
    `${PIPE_PREFIX}sub\\name`,
    `${PIPE_PREFIX}a\0b`,
    `${PIPE_PREFIX}${'n'.repeat(300)}`,
    ...(isWindows ? [] : [`${PIPE_PREFIX}${'n'.repeat(120)}`, `/tmp/${'d'.repeat(120)}/s`]),
  ];

  it.each(escaping.map((a) => [a.length > 40 ? `${JSON.stringify(a.slice(0, 40))}... (${a.length} characters)` : JSON.stringify(a), a]))(
    '%s: servers and clients refuse it with RangeError, and nothing is made',
    async (_shown, bad) => {
      const folderBefore = fs.existsSync(pipeFolder()) ? fs.readdirSync(pipeFolder()).sort() : [];
      expect(() => new PipeServer(bad)).toThrow(RangeError);
      expect(await failure(() => openPipeConnection(bad))).toBeInstanceOf(RangeError);
      const proactor = new IocpProactor();
      try {
        expect(() => proactor.connectPipe(bad)).toThrow(RangeError);
      } finally {
        await proactor.close();
      }
      const folderAfter = fs.existsSync(pipeFolder()) ? fs.readdirSync(pipeFolder()).sort() : [];
      expect(folderAfter).toEqual(folderBefore);
    },
  );
});

onLinux('the pipe folder (Linux)', () => {
  (isRoot ? it : it.skip)('a pipe folder owned by another user is refused, by servers and clients, saying why', async () => {
    await withRuntimeDir(async () => {
      fs.mkdirSync(pipeFolder(), { mode: 0o700 });
      fs.chownSync(pipeFolder(), 4242, 4242);
      const served = await failure(() => new PipeServer(address('foreign')).close());
      expect(served).toBeInstanceOf(PermissionError);
      expect((served as Error).message).toContain(`the folder ${pipeFolder()} must be a folder of this user with mode 0700`);
      const connected = await failure(() => openPipeConnection(address('foreign')));
      expect(connected).toBeInstanceOf(PermissionError);
      // Nothing was made in it, and it was not taken over (still theirs).
      expect(fs.readdirSync(pipeFolder())).toEqual([]);
      expect(fs.statSync(pipeFolder()).uid).toBe(4242);
    });
  });

  it('a pipe folder open to everyone (0777) is refused by servers and clients', async () => {
    await withRuntimeDir(async () => {
      fs.mkdirSync(pipeFolder());
      fs.chmodSync(pipeFolder(), 0o777);
      expect(await failure(() => new PipeServer(address('open')).close())).toBeInstanceOf(PermissionError);
      expect(await failure(() => openPipeConnection(address('open')))).toBeInstanceOf(PermissionError);
      expect(fs.statSync(pipeFolder()).mode & 0o777).toBe(0o777);
    });
  });
});

onLinux('squatting (Linux)', () => {
  it('a file planted at the name is refused with FileExistsError and left as it was', () => {
    const addr = address('planted');
    new PipeServer(address('mkdir')).close(); // makes the private folder
    fs.writeFileSync(pipePath(addr), 'squatter');
    try {
      expect(() => new PipeServer(addr)).toThrow(FileExistsError);
      expect(fs.readFileSync(pipePath(addr), 'utf8')).toBe('squatter');
    } finally {
      fs.rmSync(pipePath(addr));
    }
  });

  it('a live server of another process keeps its name: a second server gets PermissionError, clients reach the first', async () => {
    const addr = address('other');
    const dist = path.resolve(__dirname, '..', 'dist', 'index.js');
    const script = `
      const { startPipeServer } = require(${JSON.stringify(dist)});
      startPipeServer(async (r, w) => { w.write(Buffer.from('first')); await w.drain(); w.close(); }, process.argv[1])
        .then((s) => { console.log('serving'); process.stdin.on('end', () => s.close()); process.stdin.resume(); });
    `;
    const owner = spawn(process.execPath, ['-e', script, addr]);
    try {
      await new Promise<void>((resolve) => owner.stdout.once('data', () => resolve()));
      const err = await failure(() => new PipeServer(addr).close());
      expect(err).toBeInstanceOf(PermissionError);
      expect((err as Error).message).toContain('a server has this name already');
      const [reader, writer] = await openPipeConnection(addr);
      expect((await reader.read()).toString()).toBe('first');
      writer.close();
      await writer.waitClosed();
    } finally {
      const exited = new Promise((resolve) => owner.on('exit', resolve));
      owner.stdin.end();
      await exited;
    }
    expect(fs.existsSync(pipePath(addr))).toBe(false);
  });
});

describe('remote clients', () => {
  // Windows: the instances are made with PIPE_REJECT_REMOTE_CLIENTS
  // (native src/win/os_pipe.cc, when rejectRemote is true). A remote client
  // needs a second machine (or the SMB redirector over \\HOST\pipe\NAME,
  // which Wine does not have), and no Windows call reads the flag back
  // (GetNamedPipeInfo reports only the end and the type; Wine also drops it
  // from FilePipeLocalInformation): what is checked here is that every
  // instance a PipeServer makes asks for it. Linux: a Unix socket has no
  // remote clients; the option is passed and ignored.
  it('every instance of a PipeServer is made rejecting remote clients', () => {
    const spy = jest.spyOn(native, 'pipeInstance');
    try {
      const server = new PipeServer(address('remote'));
      server._getUnconnectedPipe(); // Windows: hands out the spare, makes the next instance
      server.close();
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(isWindows ? 2 : 1);
      for (const call of spy.mock.calls) expect(call[2]).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
