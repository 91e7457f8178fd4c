// IocpProactor.send with a list of views: one gathered send (the write
// transports send what was queued while a send was pending this way).
import { IocpProactor, Socket, pipe } from '@iocp/proactor';

import { proactorPerTest } from './helpers';

async function readExactly(
  proactor: IocpProactor,
  conn: Socket | ReturnType<typeof pipe>[0],
  n: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await proactor.recv(conn, n - got);
    if (chunk.length === 0) throw new Error(`EOF after ${got} of ${n} bytes`);
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

describe('IocpProactor gathered sends', () => {
  let proactor!: IocpProactor;
  const { closeMe } = proactorPerTest((p) => (proactor = p));

  it('sends a list of views on a socket in order and resolves to the total', async () => {
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    expect(
      await proactor.send(a, [
        Buffer.from('GET / '),
        Buffer.from('HTTP/1.1'),
        new Uint8Array([13, 10]),
      ]),
    ).toBe(16);
    expect((await readExactly(proactor, b, 16)).toString()).toBe('GET / HTTP/1.1\r\n');
  });

  it('writes a list of views to a pipe in order', async () => {
    const [r, w] = pipe({ duplex: true });
    closeMe.push(r, w);
    const parts = Array.from({ length: 10 }, (_, i) => Buffer.from(`part ${i};`));
    expect(await proactor.send(w, parts)).toBe(Buffer.concat(parts).length);
    expect(
      (await readExactly(proactor, r, Buffer.concat(parts).length)).equals(Buffer.concat(parts)),
    ).toBe(true);
  });

  it('refuses a list with a non-Uint8Array element with a TypeError naming it', () => {
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    expect(() => proactor.send(a, [Buffer.from('x'), 'y' as unknown as Uint8Array])).toThrow(
      /buf\[1\] must be a Uint8Array/,
    );
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });
});
