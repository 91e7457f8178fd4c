// sendFile, and read/write on files, on every backend.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, codeOf, itLinux } from './helpers';

const MiB = 1 << 20;

describe.each(availableBackends())('files on %s', (backend: BackendName) => {
  let t: Harness;
  let dir: string;

  beforeEach(() => {
    t = new Harness(backend);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-native-'));
  });

  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A file with this content, open for reading (or `flags`); returns its OS handle. */
  function file(content: Buffer, flags = 'r'): number {
    const p = path.join(dir, `f${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(p, content);
    const fd = fs.openSync(p, flags);
    t.defer(() => fs.closeSync(fd));
    return native.fdToHandle(fd);
  }

  it('sendFile sends a 10 MiB file, byte for byte', async () => {
    const data = crypto.randomBytes(10 * MiB);
    const f = file(data);
    const [a, b] = t.pair();
    const sending = t.run((c) => c.sendFile(a, f, 0, 0));
    const received = await t.recvExactly(b, data.length);
    expect((await sending).result).toBe(data.length);
    expect(received.length).toBe(data.length);
    expect(received.equals(data)).toBe(true);
  });

  it('sendFile sends count bytes from offset', async () => {
    const data = crypto.randomBytes(300000);
    const f = file(data);
    const [a, b] = t.pair();
    const sending = t.run((c) => c.sendFile(a, f, 12345, 100000));
    const received = await t.recvExactly(b, 100000);
    expect((await sending).result).toBe(100000);
    expect(received.equals(data.subarray(12345, 112345))).toBe(true);
  });

  it('sendFile stops at the end of the file when count goes past it', async () => {
    const data = crypto.randomBytes(5000);
    const f = file(data);
    const [a, b] = t.pair();
    const r = await t.run((c) => c.sendFile(a, f, 4990, 1000));
    expect(r.result).toBe(10);
    expect((await t.recvExactly(b, 10)).equals(data.subarray(4990))).toBe(true);
  });

  it('a cancelled sendFile reports cancellation or the bytes already sent', async () => {
    const data = crypto.randomBytes(16 * MiB);
    const f = file(data);
    const [a] = t.pair();
    // Nobody reads: the socket buffer fills and the send waits.
    const op = t.start((c) => c.sendFile(a, f, 0, 0));
    await t.run((c) => c.nop());
    t.core.cancel(op.id);
    const r = (await op.done).result;
    if (r < 0) {
      expect(codeOf(r)).toBe('ECANCELED');
    } else {
      expect(r).toBeGreaterThan(0);
      expect(r).toBeLessThan(data.length);
    }
  });

  // Windows needs an overlapped file handle for IOCP, and Node opens files
  // without FILE_FLAG_OVERLAPPED: these two run where a Node fd will do.
  itLinux('read and write a file at explicit offsets', async () => {
    const f = file(Buffer.from('0123456789'), 'r+');
    const buf = Buffer.alloc(4);
    expect((await t.run((c) => c.read(f, buf, 3))).result).toBe(4);
    expect(buf.toString()).toBe('3456');
    expect((await t.run((c) => c.write(f, Buffer.from('ab'), 8))).result).toBe(2);
    const all = Buffer.alloc(16);
    expect((await t.run((c) => c.read(f, all, 0))).result).toBe(10);
    expect(all.subarray(0, 10).toString()).toBe('01234567ab');
  });

  itLinux('read at or past the end of a file resolves to 0', async () => {
    const f = file(Buffer.from('abc'));
    expect((await t.run((c) => c.read(f, Buffer.alloc(8), 3))).result).toBe(0);
    expect((await t.run((c) => c.read(f, Buffer.alloc(8), 100))).result).toBe(0);
  });
});
