// IocpProactor on this process's backend: buffers handed to operations.
// A buffer transferred while its recvInto is pending never receives into
// memory that now belongs to someone else, and a detached buffer is refused
// with TypeError at once, its data left for the next read.
import { Worker } from 'node:worker_threads';

import { IocpProactor, Socket } from '@iocp/proactor';

/** A Uint8Array over an ArrayBuffer that was transferred away. */
function detachedView(): Uint8Array {
  const ab = new ArrayBuffer(16);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  return view;
}

describe('IocpProactor buffers', () => {
  let proactor: IocpProactor;
  const closeMe: Socket[] = [];

  beforeEach(() => {
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    for (const s of closeMe.splice(0)) s.close();
    await proactor.close();
  });

  function pair(): [Socket, Socket] {
    const p = Socket.pair();
    closeMe.push(...p);
    return p;
  }

  it.each(['recvInto', 'send', 'recvfromInto'] as const)(
    '%s of a detached buffer throws TypeError at once and the data stays readable',
    async (method) => {
      const [a, b] = pair();
      expect(await proactor.send(a, Buffer.from('abc'))).toBe(3);
      expect(() => (proactor[method] as (s: Socket, buf: Uint8Array) => unknown)(b, detachedView())).toThrow(TypeError);
      expect((await proactor.recv(b, 16)).toString()).toBe('abc');
    },
  );

  it('sendto of a detached buffer throws TypeError at once', () => {
    const [a] = pair();
    expect(() => proactor.sendto(a, detachedView())).toThrow(TypeError);
  });

  it('an empty buffer that is not detached is accepted', async () => {
    const [a] = pair();
    expect(await proactor.send(a, new Uint8Array(0))).toBe(0);
  });

  it('recvInto whose buffer is transferred by structuredClone never writes into the new owner', async () => {
    const [a, b] = pair();
    const buf = new Uint8Array(64);
    const got = proactor.recvInto(b, buf);
    const taken = new Uint8Array(structuredClone(buf.buffer, { transfer: [buf.buffer] }));
    expect(await proactor.send(a, Buffer.from('MARKER'))).toBe(6);
    expect(await got).toBe(6);
    expect(taken.every((x) => x === 0)).toBe(true);
    expect(await proactor.send(a, Buffer.from('next'))).toBe(4);
    expect((await proactor.recv(b, 16)).toString()).toBe('next');
  });

  it("recvInto whose buffer is posted to a worker never writes into the worker's buffer", async () => {
    const [a, b] = pair();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       let held = null;
       parentPort.on('message', (m) => {
         if (m instanceof ArrayBuffer) { held = new Uint8Array(m); parentPort.postMessage('held'); }
         else parentPort.postMessage(Array.from(held));
       });`,
      { eval: true },
    );
    const next = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    try {
      const buf = new Uint8Array(64);
      const got = proactor.recvInto(b, buf);
      const held = next();
      worker.postMessage(buf.buffer, [buf.buffer]);
      expect(await held).toBe('held');
      expect(await proactor.send(a, Buffer.from('MARKER'))).toBe(6);
      expect(await got).toBe(6);
      const contents = next();
      worker.postMessage('dump');
      expect(((await contents) as number[]).every((x) => x === 0)).toBe(true);
    } finally {
      await worker.terminate();
    }
  });
});
