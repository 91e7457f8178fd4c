// Fault test: BufferedProtocols that share a pool of buffers, on
// connections closed (close() or abort()) at random points while their
// peers keep sending. A buffer goes back to the pool, filled with a
// sentinel, once it was read, right after close()/abort() (the transport
// promises that nothing writes into it from then on) or at connectionLost; whoever takes it next checks that the sentinel is
// still whole, so a read that finished after its transport closed and
// still wrote into the buffer it had been lent (the race Core.dropBuffer
// closes) is caught. Every stream that is not cut must arrive intact.
// With receive buffers (allocReceiveBuffer: the OS writes them itself, so
// nothing can drop a read into one) the buffer goes back only at
// connectionLost, which the transport holds back until the OS let go of
// the read it cancelled. Runs on every backend.
import { sleep } from '@iocp/futures';
import { BaseProactorEventLoop, Socket, allocReceiveBuffer } from '@iocp/proactor';
import type { BufferedProtocol, Transport } from '@iocp/proactor';

import { Prng, runSeed, withSeed } from './fault-helpers';
import { closeLoop, pattern, until } from './transport-helpers';

const CONNECTIONS = 60;
const BUF_SIZE = 2048;
const SENTINEL = 0xee;
const STREAM = 96 * 1024;

class Pool {
  private readonly free: Buffer[] = [];
  constructor(private readonly alloc: (size: number) => Buffer) {}
  /** Buffers found written after their protocol's connectionLost. */
  readonly corrupted: string[] = [];
  made = 0;

  take(): Buffer {
    const buf = this.free.pop();
    if (buf === undefined) {
      this.made++;
      return this.alloc(BUF_SIZE).fill(0);
    }
    if (!buf.every((x) => x === SENTINEL)) {
      const at = buf.findIndex((x) => x !== SENTINEL);
      this.corrupted.push(`a pooled buffer was written after close (first changed byte at ${at})`);
    }
    return buf;
  }

  give(buf: Buffer): void {
    buf.fill(SENTINEL);
    this.free.push(buf);
  }

  /** Checks the buffers still in the pool. */
  checkAll(): void {
    for (const buf of this.free) {
      if (!buf.every((x) => x === SENTINEL))
        this.corrupted.push('a buffer in the pool was written after close');
    }
  }
}

/** Lends pool buffers: a new one from the pool for every read, returned once it was read (and all at connectionLost). */
class PooledProtocol implements BufferedProtocol {
  transport: Transport | null = null;
  private lent: Buffer | null = null;
  readonly parts: Buffer[] = [];
  received = 0;
  lost = false;

  constructor(private readonly pool: Pool) {}

  connectionMade(t: Transport): void {
    this.transport = t;
  }

  getBuffer(): Uint8Array {
    if (this.lent === null) this.lent = this.pool.take();
    return this.lent;
  }

  bufferUpdated(n: number): void {
    const buf = this.lent!;
    this.parts.push(Buffer.from(buf.subarray(0, n)));
    this.received += n;
    // Back to the pool at once: the next read takes another one.
    this.lent = null;
    this.pool.give(buf);
  }

  /**
   * The buffer lent to the read in flight goes back to the pool: right
   * after close() or abort() (nothing writes into it from then on), or at
   * connectionLost.
   */
  reclaim(): void {
    if (this.lent !== null) {
      this.pool.give(this.lent);
      this.lent = null;
    }
  }

  connectionLost(): void {
    this.lost = true;
    this.reclaim();
  }
}

describe.each([
  ['ordinary Buffers', Buffer.allocUnsafe, true],
  ['receive buffers', allocReceiveBuffer, false],
] as const)('BufferedProtocols sharing a pool of %s, closed at random while data flows', (_, alloc, reclaimAtClose) => {
  it('no buffer is written after its connection closed, and uncut streams arrive whole', async () => {
    const seed = runSeed();
    await withSeed(seed, async () => {
      const rng = new Prng(seed);
      const loop = new BaseProactorEventLoop();
      const sockets: Socket[] = [];
      const pool = new Pool(alloc);
      try {
        await loop.runUntilComplete(async () => {
          const conns: Array<{
            proto: PooledProtocol;
            tr: Transport;
            peer: Socket;
            data: Buffer;
            mayCut: boolean;
            cut: boolean;
          }> = [];
          for (let i = 0; i < CONNECTIONS; i++) {
            const [a, peer] = Socket.pair();
            sockets.push(a, peer);
            const proto = new PooledProtocol(pool);
            const tr = loop._makeSocketTransport(a, proto);
            conns.push({
              proto,
              tr,
              peer,
              data: pattern(STREAM, i + 1),
              mayCut: rng.next() < 0.5,
              cut: false,
            });
          }
          // Every peer sends its stream in pieces; half of the transports
          // are closed or aborted part of the way through.
          const senders = conns.map(async (c) => {
            let off = 0;
            while (off < c.data.length) {
              const n = Math.min(c.data.length - off, rng.int(1, 16 * 1024));
              try {
                await loop.sockSendall(c.peer, c.data.subarray(off, off + n));
              } catch {
                return; // The transport's side went away (cut).
              }
              off += n;
              if (c.mayCut && !c.cut && rng.next() < 0.15) {
                // A last piece goes out (on Linux during the call) and the
                // transport is closed in the same turn, while its read may
                // already have those bytes: the read its close cancels can
                // no longer be undone, and still finishes in the OS.
                c.cut = true;
                // (Let the transport's read reach the OS first.)
                await sleep(1);
                const last = c.data.subarray(off, Math.min(c.data.length, off + 512));
                const sent = loop._proactor.send(c.peer, last);
                sent.addDoneCallback(() => void sent.exception());
                if (rng.next() < 0.5) c.tr.close();
                else c.tr.abort();
                if (reclaimAtClose) c.proto.reclaim();
                return;
              }
            }
            c.peer.shutdown('write');
          });
          await Promise.all(senders);
          await until(
            loop,
            () => conns.every((c) => c.proto.lost),
            'every connection to end',
            1_000_000,
          );
          let cut = 0;
          for (const c of conns) {
            const got = Buffer.concat(c.proto.parts);
            // What arrived is always a prefix of what was sent, and a stream
            // nobody cut arrived whole (the transport closed itself at EOF).
            expect(got.equals(c.data.subarray(0, got.length))).toBe(true);
            if (c.cut) cut++;
            else expect(got.length).toBe(STREAM);
          }
          expect(cut).toBeGreaterThan(0);
          // The reads cancelled at close may still finish in the OS: give
          // them a few iterations to come back, then look at every buffer.
          await until(loop, () => loop._proactor.pendingOperations === 0, 'the cancelled reads');
          pool.checkAll();
        });
        expect(pool.corrupted).toEqual([]);
        expect(pool.made).toBeGreaterThan(0);
      } finally {
        for (const s of sockets) s.close();
        await closeLoop(loop);
      }
    });
  }, 120_000);
});
