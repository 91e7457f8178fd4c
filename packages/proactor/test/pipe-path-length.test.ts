// Linux: a pipe server binds first at a temporary name in the socket's
// folder ("<folder>/.iocp-" and 12 characters, 19 bytes after the folder),
// then links it to the pipe's path (packages/native/src/linux/os_pipe.cc).
// Both must fit sockaddr_un.sun_path (107 bytes and a NUL), so a name is
// checked against the longer of the two, with RangeError, before anything
// is created (issue #9 section 7). Windows has no such names (its limit,
// 256 characters, is checked in pipes.test.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { native } from '@iocp/native';
import { IocpProactor, PIPE_PREFIX, createPipeInstance, pipeFolder } from '@iocp/proactor';

const MAX = 107;
const TAIL = '/.iocp-'.length + 12;

(process.platform === 'win32' ? describe.skip : describe)('Linux pipe path length', () => {
  let root: string;
  let savedRuntimeDir: string | undefined;
  let proactor: IocpProactor;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-len-'));
    savedRuntimeDir = process.env.XDG_RUNTIME_DIR;
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    if (savedRuntimeDir === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedRuntimeDir;
    await proactor.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A new folder under root whose path is exactly `bytes` long. */
  function folderOf(bytes: number): string {
    const pad = bytes - root.length - 1;
    if (pad < 1) throw new Error(`the temporary folder ${root} is too long for this test`);
    const dir = path.join(root, 'd'.repeat(pad));
    fs.mkdirSync(dir, { mode: 0o700 });
    return dir;
  }

  /** The part of the private folder's path after XDG_RUNTIME_DIR. */
  const privateTail = `/iocp-pipes-${process.geteuid?.() ?? 0}`;

  /** Points \\.\pipe\ names at a private folder (not made yet) whose path is `bytes` long. */
  function pipeFolderOf(bytes: number): string {
    process.env.XDG_RUNTIME_DIR = folderOf(bytes - privateTail.length);
    const folder = pipeFolder();
    expect(Buffer.byteLength(folder)).toBe(bytes);
    return folder;
  }

  async function roundTrip(address: string): Promise<void> {
    const instance = createPipeInstance(address);
    try {
      const accepting = proactor.acceptPipe(instance);
      const client = await proactor.connectPipe(address);
      const conn = await accepting;
      try {
        const got = proactor.recv(conn, 10);
        await proactor.send(client, Buffer.from('edge'));
        expect((await got).toString()).toBe('edge');
      } finally {
        client.close();
        conn.close();
      }
    } finally {
      instance.close();
    }
  }

  it('the longest \\\\.\\pipe\\ name whose socket path and temporary name both fit works end to end', async () => {
    // Folder of 88 bytes: the temporary name is 88 + 19 = 107 bytes, and a
    // NAME of 18 bytes makes the socket path 88 + 1 + 18 = 107 bytes.
    const folder = pipeFolderOf(MAX - TAIL);
    const name = 'n'.repeat(TAIL - 1);
    expect(Buffer.byteLength(path.join(folder, name))).toBe(MAX);
    await roundTrip(`${PIPE_PREFIX}${name}`);
    expect(fs.readdirSync(folder)).toEqual([]);
    // A NAME one byte longer makes the socket path 108 bytes.
    expect(() => createPipeInstance(`${PIPE_PREFIX}${name}n`)).toThrow(RangeError);
  });

  it('a \\\\.\\pipe\\ name is refused with RangeError, before the folder is made, when only the temporary name is too long', () => {
    // Folder of 89 bytes: a short NAME fits (89 + 1 + 1 bytes), the
    // temporary name (89 + 19 = 108 bytes) does not.
    const folder = pipeFolderOf(MAX - TAIL + 1);
    expect(() => createPipeInstance(`${PIPE_PREFIX}x`)).toThrow(RangeError);
    expect(() => createPipeInstance(`${PIPE_PREFIX}x`)).toThrow(/temporary name/);
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('an absolute path: the longest that fits works end to end, one byte of folder more is refused', async () => {
    const fits = path.join(folderOf(MAX - TAIL), 's'.repeat(TAIL - 1));
    expect(Buffer.byteLength(fits)).toBe(MAX);
    await roundTrip(fits);
    const tooLong = path.join(folderOf(MAX - TAIL + 1), 's');
    expect(() => createPipeInstance(tooLong)).toThrow(RangeError);
    expect(fs.readdirSync(path.dirname(tooLong))).toEqual([]);
  });

  it('the native layer refuses such a name too, before it makes the private folder', () => {
    const folder = folderOf(MAX - TAIL + 1 - privateTail.length) + privateTail;
    const name = `${folder}/x`;
    expect(native.pipeInstance(name)).toBe(-os.constants.errno.ENAMETOOLONG);
    expect(fs.existsSync(folder)).toBe(false);
  });
});
