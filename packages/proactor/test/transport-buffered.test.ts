// A BufferedProtocol's reads go straight into the buffer it lends
// (getBuffer(-1), as asyncio's selector transport does): the cases around
// that buffer's lifetime (pause, close, setProtocol) and a getBuffer that
// misbehaves (port of test_selector_events.py's
// test_read_ready__get_buffer_error / _zero_sized_buffer, fatal errors
// through the exception handler).
import { RuntimeError } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { Socket } from '@iocp/proactor';
import type { BufferedProtocol, Transport } from '@iocp/proactor';

import { closeLoop, CountingLoop, pattern, RecordingProtocol, until } from './transport-helpers';

/** A BufferedProtocol that lends one buffer of `size` bytes and records every call. */
class LendingProtocol implements BufferedProtocol {
  transport: Transport | null = null;
  buf: Uint8Array;
  readonly hints: number[] = [];
  readonly parts: Buffer[] = [];
  readonly lost: Future<Error | null>;
  /** Replaces what getBuffer returns (an error to throw, a value to return). */
  lend: (() => unknown) | null = null;

  constructor(loop: CountingLoop, size = 64 * 1024) {
    this.buf = Buffer.alloc(size);
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  getBuffer(sizeHint: number): Uint8Array {
    this.hints.push(sizeHint);
    if (this.lend !== null) return this.lend() as Uint8Array;
    return this.buf;
  }

  bufferUpdated(n: number): void {
    this.parts.push(Buffer.from(this.buf.subarray(0, n)));
  }

  received(): Buffer {
    return Buffer.concat(this.parts);
  }

  connectionLost(exc: Error | null): void {
    if (!this.lost.done()) this.lost.setResult(exc);
  }
}

describe('ProactorSocketTransport with a BufferedProtocol: reads into the lent buffer', () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  function pair(): [Socket, Socket] {
    const [a, b] = Socket.pair();
    sockets.push(a, b);
    return [a, b];
  }

  test('each read fills the buffer getBuffer(-1) lent; a large stream arrives whole', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new LendingProtocol(loop, 4096);
      const lent: Uint8Array[] = [];
      proto.lend = () => {
        // A new buffer for every read: bufferUpdated must see the one lent last.
        proto.buf = Buffer.alloc(4096);
        lent.push(proto.buf);
        return proto.buf;
      };
      loop._makeSocketTransport(a, proto);
      const data = pattern(300 * 1024, 3);
      await loop.sockSendall(peer, data);
      peer.shutdown('write');
      expect(await proto.lost).toBeNull();
      expect(proto.received().equals(data)).toBe(true);
      expect(proto.hints.every((h) => h === -1)).toBe(true);
      // One getBuffer per read (the last one is the read that saw EOF).
      expect(lent.length).toBe(proto.parts.length + 1);
    });
  });

  test('an echo protocol that writes from its lent buffer and lends it again at once', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new LendingProtocol(loop, 64 * 1024);
      proto.bufferUpdated = function (n: number) {
        this.transport!.write(this.buf.subarray(0, n));
      };
      loop._makeSocketTransport(a, proto);
      const data = pattern(2 * 1024 * 1024, 9);
      const back = (async () => {
        const parts: Buffer[] = [];
        let got = 0;
        while (got < data.length) {
          const chunk = await loop.sockRecv(peer, 256 * 1024);
          if (chunk.length === 0) break;
          parts.push(chunk);
          got += chunk.length;
        }
        return Buffer.concat(parts);
      })();
      await loop.sockSendall(peer, data);
      // Every byte came back in order although the buffer was read into
      // again right after each write.
      expect((await back).equals(data)).toBe(true);
      proto.transport!.close();
      await proto.lost;
    });
  });

  test('a read that finishes while paused is kept apart: the protocol may use its buffer until resumeReading', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new LendingProtocol(loop, 1024);
      const tr = loop._makeSocketTransport(a, proto);
      await until(loop, () => proto.hints.length === 1, 'the first read');
      tr.pauseReading();
      await loop.sockSendall(peer, Buffer.from('while paused'));
      // The read in flight takes the bytes; nothing reaches the protocol.
      await until(loop, () => (tr as unknown as { _pendingDataLength: number })._pendingDataLength > 0, 'the paused read');
      expect(proto.parts).toEqual([]);
      // The protocol scribbles over its buffer meanwhile.
      proto.buf.fill(0x21);
      tr.resumeReading();
      await until(loop, () => proto.parts.length === 1, 'the delivery');
      expect(proto.received().toString()).toBe('while paused');
      // Reading goes on into the lent buffer.
      await loop.sockSendall(peer, Buffer.from(' and after'));
      await until(loop, () => proto.received().toString() === 'while paused and after', 'the next read');
      tr.close();
      await proto.lost;
    });
  });

  test('close() with a read in flight drops the lent buffer from it: later bytes never land there', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const proto = new LendingProtocol(loop, 256);
      const tr = loop._makeSocketTransport(a, proto);
      await until(loop, () => proto.hints.length === 1, 'the first read');
      const proactor = loop._proactor;
      const dropped: unknown[] = [];
      const drop = proactor._dropReadBuffer.bind(proactor);
      proactor._dropReadBuffer = (fut) => {
        const had = drop(fut);
        dropped.push(had);
        return had;
      };
      try {
        proto.buf.fill(0x5a);
        tr.close();
        expect(dropped).toEqual([true]);
        await loop.sockSendall(peer, Buffer.from('too late'));
        expect(await proto.lost).toBeNull();
        await until(loop, () => loop._proactor.pendingOperations === 0, 'the cancelled read');
        expect(proto.buf.every((x) => x === 0x5a)).toBe(true);
        expect(proto.parts).toEqual([]);
      } finally {
        proactor._dropReadBuffer = drop;
      }
    });
  });

  test('setProtocol() during a read: the new protocol gets the bytes (a copy), the old one no bufferUpdated', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = pair();
      const first = new LendingProtocol(loop, 512);
      const tr = loop._makeSocketTransport(a, first);
      await until(loop, () => first.hints.length === 1, 'the first read');
      const second = new RecordingProtocol(loop);
      tr.setProtocol(second);
      await loop.sockSendall(peer, Buffer.from('for the second'));
      await second.waitForBytes(loop, 'for the second'.length);
      expect(second.received().toString()).toBe('for the second');
      expect(first.parts).toEqual([]);
      // And back to a BufferedProtocol: its next read goes into its buffer.
      const third = new LendingProtocol(loop, 512);
      tr.setProtocol(third);
      await loop.sockSendall(peer, Buffer.from('third'));
      await until(loop, () => third.received().toString() === 'third', 'the third protocol');
      tr.close();
      // connectionLost goes to the protocol of the moment.
      expect(await third.lost).toBeNull();
    });
  });

  describe('a getBuffer that misbehaves ends the transport through the exception handler', () => {
    async function expectFatal(lend: () => unknown, kind: new (...args: any[]) => Error, message: RegExp): Promise<void> {
      await loop.runUntilComplete(async () => {
        const [a, peer] = pair();
        const proto = new LendingProtocol(loop);
        proto.lend = lend;
        loop._makeSocketTransport(a, proto);
        const exc = await proto.lost;
        expect(exc).toBeInstanceOf(kind);
        expect(exc!.message).toMatch(message);
        expect(loop.errors).toHaveLength(1);
        expect(loop.errors[0].message).toBe('Fatal error: protocol.get_buffer() call failed.');
        expect(loop.errors[0].exception).toBe(exc);
        // The loop and the peer go on working.
        const [c, d] = pair();
        const ok = new LendingProtocol(loop, 64);
        loop._makeSocketTransport(c, ok);
        await loop.sockSendall(d, Buffer.from('fine'));
        await until(loop, () => ok.received().toString() === 'fine', 'another transport');
        ok.transport!.close();
        await ok.lost;
        void peer;
      });
    }

    test('it throws', async () => {
      await expectFatal(
        () => {
          throw new Error('no buffer today');
        },
        Error,
        /no buffer today/,
      );
    });

    test('it returns an empty buffer (RuntimeError, as asyncio)', async () => {
      await expectFatal(() => Buffer.alloc(0), RuntimeError, /get_buffer\(\) returned an empty buffer/);
    });

    test('it returns something that is not a Uint8Array (TypeError naming it)', async () => {
      await expectFatal(() => new ArrayBuffer(16), TypeError, /getBuffer\(\) must return a Uint8Array, got ArrayBuffer/);
      loop.errors.length = 0;
    });

    test('it returns a view of a detached buffer (no bytes to fill: RuntimeError)', async () => {
      await expectFatal(
        () => {
          const buf = new Uint8Array(16);
          structuredClone(buf.buffer, { transfer: [buf.buffer] });
          return buf;
        },
        RuntimeError,
        /get_buffer\(\) returned an empty buffer/,
      );
    });
  });
});
