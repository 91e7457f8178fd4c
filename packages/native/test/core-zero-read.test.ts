// Zero-byte reads on IOCP (IocpBackend::kZeroReadThreshold, after libuv's
// UV_HANDLE_ZERO_READ): with many operations in flight, a receive on a
// stream socket first waits with an empty WSARecv, holding no memory, and
// makes its real read once the socket has bytes or its end. Everything a
// receive promises must hold through that: the bytes that came, EOF, a
// cancel that undoes it without losing bytes, hand-out, and no datagram
// ever cut. setZeroReads('always') forces them for these tests; the
// threshold ('auto', the default) is checked too. Windows and Wine; the
// last part checks setZeroReads on every backend (Linux ignores it).
import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, codeOf } from './helpers';
import { describeWindows } from './win-harness';

describeWindows('zero-byte reads on iocp', () => {
  let t: Harness;

  function harness(mode: 'auto' | 'always'): Harness {
    const h = new Harness('iocp');
    h.core.setZeroReads(mode);
    return h;
  }

  afterEach(async () => {
    await t.dispose();
  });

  describe("forced (setZeroReads('always'))", () => {
    beforeEach(() => {
      t = harness('always');
    });

    it('a receive waits without its buffer, then gets the bytes that come', async () => {
      const [a, b] = t.pair();
      const buf = Buffer.alloc(65536);
      const recv = t.start((c) => c.recv(a, buf));
      expect(t.core.zeroReads).toBe(1);
      let done = false;
      void recv.done.then(() => (done = true));
      // A full turn through the port: still waiting.
      await t.run((c) => c.nop());
      expect(done).toBe(false);
      await t.sendAll(b, Buffer.from('hello'));
      expect((await recv.done).result).toBe(5);
      expect(buf.subarray(0, 5).toString()).toBe('hello');
    });

    it('bytes already there are read at once', async () => {
      const [a, b] = t.pair();
      await t.sendAll(b, Buffer.from('early bytes'));
      await t.run((c) => c.nop());
      const got = await t.recv(a, 65536);
      expect(got.data.toString()).toBe('early bytes');
      expect(t.core.zeroReads).toBeGreaterThanOrEqual(1);
    });

    it("the peer's end reads as 0", async () => {
      const [a, b] = t.pair();
      const recv = t.start((c) => c.recv(a, Buffer.alloc(8192)));
      expect(native.shutdown(b, C.SHUT_WR)).toBe(0);
      expect((await recv.done).result).toBe(0);
    });

    it('a cancelled receive read nothing: the bytes that come later are for the next one', async () => {
      const [a, b] = t.pair();
      const recv = t.start((c) => c.recv(a, Buffer.alloc(8192)));
      await t.run((c) => c.nop());
      expect(t.core.cancel(recv.id)).toBe(true);
      expect(codeOf((await recv.done).result)).toBe('ECANCELED');
      await t.sendAll(b, Buffer.from('kept'));
      expect((await t.recvExactly(a, 4, 8192)).toString()).toBe('kept');
    });

    it('a cancel that races the bytes loses none of them', async () => {
      const [a, b] = t.pair();
      const data = Buffer.from('0123456789abcdef');
      for (let round = 0; round < 20; round++) {
        await t.sendAll(b, data);
        const buf = Buffer.alloc(8192);
        const recv = t.start((c) => c.recv(a, buf));
        const cancelled = t.core.cancel(recv.id);
        const { result } = await recv.done;
        let got = Buffer.alloc(0);
        if (result > 0) {
          // The cancel came too late: it said so, and the bytes are here.
          expect(cancelled).toBe(false);
          got = Buffer.from(buf.subarray(0, result));
        } else {
          expect(codeOf(result)).toBe('ECANCELED');
          expect(cancelled).toBe(true);
        }
        const rest = await t.recvExactly(a, data.length - got.length, 8192);
        expect(Buffer.concat([got, rest]).toString()).toBe(data.toString());
      }
    });

    it('a receive into a new Buffer, and one handed out, get their bytes', async () => {
      const [a, b] = t.pair();
      const sized = t.start((c) => c.recv(a, 65536));
      await t.sendAll(b, Buffer.from('sized'));
      const first = await sized.done;
      expect(first.result).toBe(5);
      expect(first.received?.toString()).toBe('sized');

      const big = Buffer.alloc(20000, 'z');
      await t.sendAll(b, big);
      await t.run((c) => c.nop());
      const target = Buffer.alloc(65536);
      const handed = await t.run((c) => c.recv(a, target, 0, 16384));
      expect(handed.result).toBeGreaterThan(0);
      const head =
        handed.result >= 16384 ? handed.received! : Buffer.from(target.subarray(0, handed.result));
      const rest = await t.recvExactly(a, big.length - handed.result, 65536);
      expect(Buffer.concat([head, rest]).equals(big)).toBe(true);
    });

    it('a reset connection fails the receive', async () => {
      const [a, b] = t.pair();
      // b closes with bytes it never read: that resets the connection.
      await t.sendAll(a, Buffer.from('unread'));
      await t.run((c) => c.nop());
      const recv = t.start((c) => c.recv(a, Buffer.alloc(8192)));
      t.closeSocket(b);
      expect(['ECONNRESET', 'ERROR_NETNAME_DELETED']).toContain(codeOf((await recv.done).result));
    });

    it('small receives and datagram sockets never use them', async () => {
      const [a, b] = t.pair();
      const small = t.start((c) => c.recv(a, Buffer.alloc(100)));
      await t.sendAll(b, Buffer.from('s'));
      expect((await small.done).result).toBe(1);
      const rx = t.udp();
      const tx = t.udp();
      const datagram = Buffer.alloc(6000, 'd');
      const recv = t.start((c) => c.recv(rx.handle, Buffer.alloc(65536)));
      expect((await t.run((c) => c.sendTo(tx.handle, datagram, 0, rx.address))).result).toBe(6000);
      expect((await recv.done).result).toBe(6000);
      expect(t.core.zeroReads).toBe(0);
    });
  });

  describe("by the number of operations in flight ('auto')", () => {
    beforeEach(() => {
      t = harness('auto');
    });

    it('a receive is plain with few operations in flight, a zero-byte read with many', async () => {
      const [a, b] = t.pair();
      const plain = t.start((c) => c.recv(a, Buffer.alloc(65536)));
      expect(t.core.zeroReads).toBe(0);
      await t.sendAll(b, Buffer.from('one'));
      expect((await plain.done).result).toBe(3);

      const e = t.event();
      const waits = Array.from({ length: 70 }, () => t.start((c) => c.waitHandle(e, 60000)));
      const busy = t.start((c) => c.recv(a, Buffer.alloc(65536)));
      expect(t.core.zeroReads).toBe(1);
      await t.sendAll(b, Buffer.from('two'));
      expect((await busy.done).result).toBe(3);
      expect(native.eventSet(e)).toBe(0);
      for (const w of waits) expect((await w.done).result).toBe(1);
    });
  });
});

describe.each(availableBackends())('setZeroReads on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it("takes 'auto', 'always' or 'never' only", () => {
    for (const mode of ['auto', 'always', 'never'] as const) t.core.setZeroReads(mode);
    for (const bad of ['sometimes', 1, undefined]) {
      const err = (() => {
        try {
          t.core.setZeroReads(bad as unknown as 'auto');
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(err?.name).toBe('TypeError');
      expect(err?.message).toMatch(/'auto', 'always' or 'never'/);
    }
  });

  it('receives work with each mode; only IOCP counts zero-byte reads', async () => {
    const [a, b] = t.pair();
    for (const mode of ['always', 'never', 'auto'] as const) {
      t.core.setZeroReads(mode);
      const recv = t.start((c) => c.recv(a, Buffer.alloc(65536)));
      await t.sendAll(b, Buffer.from(mode));
      expect((await recv.done).result).toBe(mode.length);
    }
    expect(t.core.zeroReads).toBe(backend === 'iocp' ? 1 : 0);
  });
});
