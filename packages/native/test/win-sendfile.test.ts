// sendFile on the IOCP backend (TransmitFile with the offset in the
// OVERLAPPED), with a file Node opened, converted by fdToHandle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { native } from '@iocp/native';

import { Harness, describeWindows } from './win-harness';

describeWindows('iocp sendFile', () => {
  let h: Harness;
  let dir: string;
  let fd: number;
  const data = Buffer.alloc(1 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 0xff;

  beforeEach(() => {
    h = new Harness();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-sendfile-'));
    const file = path.join(dir, 'data.bin');
    fs.writeFileSync(file, data);
    fd = fs.openSync(file, 'r');
  });

  afterEach(async () => {
    await h.close();
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function receive(s: number, n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let total = 0;
    while (total < n) {
      const buf = Buffer.alloc(n - total);
      const r = (await h.done(h.core.recv(s, buf))).result;
      if (r <= 0) break;
      parts.push(buf.subarray(0, r));
      total += r;
    }
    return Buffer.concat(parts);
  }

  it('fdToHandle gives the Windows handle of a Node descriptor, and an error for a bad one', () => {
    expect(native.fdToHandle(fd)).toBeGreaterThan(0);
    expect(native.errorName(native.fdToHandle(99999))).toBe('EBADF');
  });

  it('sends count bytes from the offset', async () => {
    const [a, b] = h.pair();
    const file = native.fdToHandle(fd);
    const sending = h.done(h.core.sendFile(a, file, 1000, 300000));
    const got = await receive(b, 300000);
    expect((await sending).result).toBe(300000);
    expect(got.equals(data.subarray(1000, 301000))).toBe(true);
  });

  it('count 0 sends the rest of the file', async () => {
    const [a, b] = h.pair();
    const file = native.fdToHandle(fd);
    const offset = 12345;
    const sending = h.done(h.core.sendFile(a, file, offset, 0));
    const got = await receive(b, data.length - offset);
    expect((await sending).result).toBe(data.length - offset);
    expect(got.equals(data.subarray(offset))).toBe(true);
  });
});
