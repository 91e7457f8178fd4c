// BaseProactorEventLoop.sockSendfile: the native sendfile, the read + send
// fallback, and the checks. Ported from CPython's
// test_asyncio/test_sock_lowlevel.py / test_sendfile.py (SockSendfileMixin:
// test_sock_sendfile_success, _with_offset_and_count, _count_greater_than_file_size,
// _zero_size, _not_regular_file, _fallback...).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SendfileNotAvailableError } from '@iocp/futures';
import { BaseProactorEventLoop, Socket } from '@iocp/proactor';

import { listener, openFds } from './helpers';
import { run } from './loop-helpers';

const DATA = randomBytes(300 * 1024 + 17);
/** Windows' null device (a character device: not a regular file). */
const NUL_DEVICE = '\\\\.\\NUL';

describe('sockSendfile', () => {
  let loop: BaseProactorEventLoop;
  let fdsBefore: number;
  let dir: string;
  let file: string;
  const closeMe: Array<{ close(): unknown }> = [];
  const fds: number[] = [];

  beforeEach(() => {
    fdsBefore = openFds();
    loop = new BaseProactorEventLoop();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-sendfile-'));
    file = path.join(dir, 'data.bin');
    fs.writeFileSync(file, DATA);
  });

  afterEach(async () => {
    for (const c of closeMe.splice(0)) c.close();
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    await loop.close();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(openFds()).toBe(fdsBefore);
  });

  function open(p: string): number {
    const fd = fs.openSync(p, 'r');
    fds.push(fd);
    return fd;
  }

  /** A connected TCP pair: [sender, receiver]. */
  async function pair(): Promise<[Socket, Socket]> {
    const lsock = listener();
    const client = new Socket('inet');
    closeMe.push(client);
    try {
      const accepting = loop.sockAccept(lsock);
      await loop.sockConnect(client, lsock.getsockname());
      const [conn] = await accepting;
      closeMe.push(conn);
      return [client, conn];
    } finally {
      lsock.close();
    }
  }

  /** Reads from sock until the peer shuts down its side. */
  async function readAll(sock: Socket): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const b = await loop.sockRecv(sock, 65536);
      if (b.length === 0) return Buffer.concat(parts);
      parts.push(b);
    }
  }

  async function send(offset?: number, count?: number | null, fd = open(file), fallback?: boolean): Promise<[number, Buffer]> {
    const [a, b] = await pair();
    const reading = readAll(b);
    const sent = await loop.sockSendfile(a, fd, offset, count, fallback === undefined ? undefined : { fallback });
    a.shutdown('write');
    return [sent, await reading];
  }

  const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  it('sends the whole file through the native sendfile', async () => {
    await run(loop, async () => {
      const [sent, got] = await send();
      expect(sent).toBe(DATA.length);
      expect(hash(got)).toBe(hash(DATA));
    });
  });

  it('sends count bytes from offset', async () => {
    await run(loop, async () => {
      const [sent, got] = await send(1000, 70000);
      expect(sent).toBe(70000);
      expect(got.equals(DATA.subarray(1000, 71000))).toBe(true);
    });
  });

  it('a count past the end of the file sends up to the end', async () => {
    await run(loop, async () => {
      const [sent, got] = await send(DATA.length - 100, 5000);
      expect(sent).toBe(100);
      expect(got.equals(DATA.subarray(DATA.length - 100))).toBe(true);
    });
  });

  it('an empty file, or an offset at or past the end, sends nothing', async () => {
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    await run(loop, async () => {
      expect((await send(0, null, open(empty)))[0]).toBe(0);
      expect((await send(DATA.length + 10))[0]).toBe(0);
    });
  });

  it('leaves the descriptor\'s own file position where it was', async () => {
    await run(loop, async () => {
      const fd = open(file);
      const head = Buffer.alloc(10);
      fs.readSync(fd, head, 0, 10, null);
      await send(0, 5000, fd);
      const next = Buffer.alloc(10);
      fs.readSync(fd, next, 0, 10, null);
      expect(next.equals(DATA.subarray(10, 20))).toBe(true);
    });
  });

  it('a file that is not a regular file: SendfileNotAvailableError without fallback', async () => {
    await run(loop, async () => {
      const [a] = await pair();
      // A directory (Linux) or the NUL device (Windows): not a regular file.
      const fd = open(process.platform === 'win32' ? NUL_DEVICE : dir);
      const err = await loop.sockSendfile(a, fd, 0, null, { fallback: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendfileNotAvailableError);
      expect((err as Error).message).toBe('not a regular file');
    });
  });

  if (process.platform === 'linux') {
    it('falls back to read + send for a file sendfile cannot take (a character device)', async () => {
      await run(loop, async () => {
        const [sent, got] = await send(0, 70000, open('/dev/zero'));
        expect(sent).toBe(70000);
        expect(got.equals(Buffer.alloc(70000))).toBe(true);
      });
    });

    it('the fallback refuses an offset on a file that cannot seek', async () => {
      await run(loop, async () => {
        const [a] = await pair();
        const fifo = path.join(dir, 'fifo');
        // A FIFO opened read-write never blocks the open and has no position.
        execFileSync('mkfifo', [fifo]);
        const fd = fs.openSync(fifo, fs.constants.O_RDWR);
        fds.push(fd);
        await expect(loop.sockSendfile(a, fd, 5, 10)).rejects.toMatchObject({ code: 'ESPIPE' });
      });
    });
  } else {
    it('falls back to read + send for a file sendfile cannot take (the NUL device: nothing to send)', async () => {
      await run(loop, async () => {
        const [sent, got] = await send(0, 70000, open(NUL_DEVICE));
        expect(sent).toBe(0);
        expect(got.length).toBe(0);
      });
    });
  }

  it('bad arguments throw synchronously (CPython\'s _check_sendfile_params)', async () => {
    await run(loop, async () => {
      const [a] = await pair();
      const udp = new Socket('inet', 'dgram');
      closeMe.push(udp);
      const fd = open(file);
      expect(() => loop.sockSendfile(udp, fd)).toThrow(new TypeError('only SOCK_STREAM type sockets are supported'));
      expect(() => loop.sockSendfile(a, fd, 0, 0)).toThrow(new RangeError('count must be a positive integer (got 0)'));
      expect(() => loop.sockSendfile(a, fd, -1)).toThrow(new RangeError('offset must be a non-negative integer (got -1)'));
      expect(() => loop.sockSendfile(a, fd, 1.5)).toThrow(RangeError);
      expect(() => loop.sockSendfile(a, 'x' as never)).toThrow(TypeError);
      expect(() => loop.sockSendfile(a, fd, 0, null, { fallback: 1 as never })).toThrow(TypeError);
    });
  });
});
