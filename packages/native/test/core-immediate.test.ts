// Operations finished at once (Core.allowImmediate / Core.immediate): a send
// the OS takes whole during the call is done then, with no completion record
// later, as CPython's IocpProactor._register resolves a future whose
// overlapped call did not go pending. On Linux a small send is tried at
// once only while the last batch was small and nothing waits before it on
// its socket (core-held-sends.test.ts); IOCP always completes through the
// port.
// On io_uring a read whose bytes the socket's receive already holds is done
// at once too.
import { availableBackends } from '@iocp/native';
import type { BackendName, NativeCore } from '@iocp/native';

import { Harness, isLinux } from './helpers';

const itLinux = isLinux ? it : it.skip;

describe.each(availableBackends())('sends finished at once on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  /** Starts a send from inside a small batch (where Linux tries small sends at once). */
  async function sendInBatch(submit: (core: NativeCore) => number): Promise<number> {
    await t.run((c) => c.nop());
    return submit(t.core);
  }

  it('without allowImmediate every send completes through a batch', async () => {
    const [a, b] = t.pair();
    const id = await sendInBatch((c) => c.send(a, Buffer.from('abc')));
    expect(id).toBeGreaterThanOrEqual(0);
    expect(t.core.immediate[0]).toBe(-1);
    const done = t.start(() => id);
    expect((await done.done).result).toBe(3);
    expect((await t.recv(b, 10)).data.toString()).toBe('abc');
  });

  itLinux('with allowImmediate a send the socket takes whole is done during the call, with no record', async () => {
    t.core.allowImmediate(true);
    const [a, b] = t.pair();
    const id = await sendInBatch((c) => c.send(a, Buffer.from('hello')));
    expect(id).toBeGreaterThanOrEqual(0);
    // (The third word: not a receive into a receive buffer.)
    expect(Array.from(t.core.immediate)).toEqual([id, 5, 0]);
    expect((await t.recv(b, 10)).data.toString()).toBe('hello');
    // The next op resets it, and no completion ever came for the send.
    await t.run((c) => c.nop());
    expect(t.core.immediate[0]).toBe(-1);
    expect(t.seen.has(id)).toBe(false);
    expect(t.strays).toEqual([]);
    expect(t.core.pending).toBe(0);
  });

  it('with allowImmediate a send that does not fit at once completes whole through a batch', async () => {
    t.core.allowImmediate(true);
    const [a, b] = t.pair();
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const id = await sendInBatch((c) => c.send(a, big));
    expect(id).toBeGreaterThanOrEqual(0);
    expect(t.core.immediate[0]).toBe(-1);
    const sending = t.start(() => id).done;
    let got = 0;
    while (got < big.length) {
      const r = await t.recv(b, 1024 * 1024);
      expect(r.result).toBeGreaterThan(0);
      got += r.result;
    }
    expect((await sending).result).toBe(big.length);
  });

  // (Linux: a Unix socket pair refuses a send after its peer closed; a TCP
  // pair on Windows may still take it.)
  itLinux('with allowImmediate a failed send still completes through a batch with its error', async () => {
    t.core.allowImmediate(true);
    const [a, b] = t.pair();
    t.closeSocket(b);
    const id = await sendInBatch((c) => c.send(a, Buffer.from('x')));
    if (id < 0) return; // Refused at once (the error is the return value): also no record.
    expect(t.core.immediate[0]).toBe(-1);
    expect((await t.start(() => id).done).result).toBeLessThan(0);
  });

  it('with allowImmediate a read whose bytes are at hand gets them, on io_uring during the call', async () => {
    t.core.allowImmediate(true);
    const [a, b] = t.pair();
    // A first read starts the socket's receive (a multishot receive on
    // io_uring), which then takes what arrives while no read waits.
    const first = t.recv(b, 16);
    await t.sendAll(a, Buffer.from('x'));
    expect((await first).data.toString()).toBe('x');
    await t.sendAll(a, Buffer.from('at hand'));
    await new Promise((r) => setTimeout(r, 50));
    const buf = Buffer.alloc(32);
    const id = t.core.recv(b, buf);
    expect(id).toBeGreaterThanOrEqual(0);
    if (backend === 'io_uring') {
      // Done during the call: the bytes are in the buffer already.
      expect(Array.from(t.core.immediate)).toEqual([id, 7, 0]);
      expect(buf.subarray(0, 7).toString()).toBe('at hand');
    }
    const done = await t.start(() => id).done;
    expect(done.result).toBe(7);
    expect(buf.subarray(0, 7).toString()).toBe('at hand');
    // End of file after the bytes: at once on io_uring too, every time.
    t.closeSocket(a);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 2; i++) expect((await t.recv(b, 16)).result).toBe(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.strays).toEqual([]);
  });

  it('allowImmediate takes a boolean', () => {
    expect(() => t.core.allowImmediate(1 as unknown as boolean)).toThrow(/boolean/);
  });
});
