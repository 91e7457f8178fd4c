// Small sends started after a large batch are held and go out together
// (EpollBackend::kSendNowBatch, UringBackend::kSendNowBatch): after the
// JavaScript of the batch, or right before Node's loop polls again. What
// users rely on is checked on every backend: the sends complete whole, in
// the order they were made, also when nothing else happens afterwards; a
// small send after a small batch is still done at once on Linux. What
// holding means for a cancel or a close is epoll's own (a held send has not
// reached the kernel yet), and checked there.
import { availableBackends } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, codeOf, isLinux } from './helpers';

const itLinux = isLinux ? it : it.skip;

describe.each(availableBackends())('sends after a large batch on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
    t.core.allowImmediate(true);
  });

  afterEach(async () => {
    await t.dispose();
  });

  /**
   * Resolves inside a batch of three completions (in its JavaScript, where
   * the sends of a busy loop are made).
   */
  async function inLargeBatch(): Promise<void> {
    const before = t.batches.length;
    await Promise.all([t.run((c) => c.nop()), t.run((c) => c.nop()), t.run((c) => c.nop())]);
    // On Linux the three came in one batch (else this test would test
    // nothing). IOCP holds no send (every one completes through the port),
    // and its poller thread may hand the three over in more than one batch.
    if (backend !== 'iocp') expect(t.batches.slice(before)).toEqual([3]);
  }

  it('complete whole and reach the peer in the order they were made', async () => {
    const [a, b] = t.pair();
    const big = Buffer.alloc(16 * 1024, 'x');
    await inLargeBatch();
    const sends = [
      t.start((c) => c.send(a, Buffer.from('a'))),
      t.start((c) => c.send(a, Buffer.from('b'))),
      t.start((c) => c.send(a, big)),
      t.start((c) => c.send(a, Buffer.from('c'))),
    ];
    // Not done during the call: the first went to wait for the batch's end.
    expect(t.core.immediate[0]).not.toBe(sends[0].id);
    const results = await Promise.all(sends.map((s) => s.done));
    expect(results.map((r) => r.result)).toEqual([1, 1, big.length, 1]);
    expect(results.every((r) => !r.immediate || backend === 'iocp')).toBe(true);
    const got = await t.recvExactly(b, big.length + 3);
    expect(got.toString()).toBe(`ab${big.toString()}c`);
  });

  it('complete whole with the bytes they had when made, though the buffer changes', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.from('first');
    await inLargeBatch();
    const send = t.start((c) => c.send(a, buf));
    buf.write('XXXXX');
    expect((await send.done).result).toBe(5);
    expect((await t.recvExactly(b, 5)).toString()).toBe('first');
  });

  it('go out when made after the batch, outside any batch, with nothing else to do', async () => {
    const [a, b] = t.pair();
    await inLargeBatch();
    // Node's check phase: no batch is being handled, and no other I/O will
    // come to carry the send out.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const send = t.start((c) => c.send(a, Buffer.from('late')));
    expect((await send.done).result).toBe(4);
    expect((await t.recvExactly(b, 4)).toString()).toBe('late');
  });

  itLinux('are done at once again once a batch is small', async () => {
    const [a, b] = t.pair();
    await inLargeBatch();
    await t.run((c) => c.nop());
    const send = t.start((c) => c.send(a, Buffer.from('now')));
    expect(Array.from(t.core.immediate)).toEqual([send.id, 3, 0]);
    expect((await send.done).result).toBe(3);
    expect((await t.recvExactly(b, 3)).toString()).toBe('now');
  });

  if (backend === 'epoll') {
    it('a held send cancelled before it went out completes cancelled and sends nothing', async () => {
      const [a, b] = t.pair();
      await inLargeBatch();
      const held = t.start((c) => c.send(a, Buffer.from('never')));
      expect(t.core.cancel(held.id)).toBe(true);
      const after = t.start((c) => c.send(a, Buffer.from('after')));
      expect(codeOf((await held.done).result)).toBe('ECANCELED');
      expect((await after.done).result).toBe(5);
      expect((await t.recvExactly(b, 5)).toString()).toBe('after');
    });

    it('a socket closed with a send held fails that send and leaves the others to go out', async () => {
      const [a, b] = t.pair();
      const [c1, d1] = t.pair();
      await inLargeBatch();
      const lost = t.start((c) => c.send(a, Buffer.from('lost')));
      const kept = t.start((c) => c.send(c1, Buffer.from('kept')));
      t.closeSocket(a);
      expect(codeOf((await lost.done).result)).toBe('ECANCELED');
      expect((await kept.done).result).toBe(4);
      expect((await t.recvExactly(d1, 4)).toString()).toBe('kept');
      // The peer of the closed socket sees its end, and none of the bytes.
      expect((await t.recv(b, 10)).result).toBe(0);
    });
  }
});
