// Helpers of the fault tests (fault-*.test.ts): a seeded PRNG whose seed a
// failing test prints, sequence-tagged chunks and the stream they make, and
// waiting for a batch of futures to end however they end.
import type { Future } from '@iocp/futures';

/** A seeded PRNG (mulberry32): the same seed gives the same run. */
export class Prng {
  private _state: number;
  constructor(readonly seed: number) {
    this._state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this._state = (this._state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

/** The seed of this run: FAULT_SEED when set (to replay a failure), else a fresh one. */
export function runSeed(): number {
  const fixed = process.env.FAULT_SEED;
  return fixed !== undefined && fixed !== ''
    ? Number(fixed) >>> 0
    : (Math.random() * 0x100000000) >>> 0;
}

/** Runs body; a failure names the seed, so FAULT_SEED=<seed> replays it. */
export async function withSeed<T>(seed: number, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const e = err as Error;
    e.message = `[seed ${seed}: replay with FAULT_SEED=${seed}] ${e.message}`;
    throw e;
  }
}

/**
 * Chunk `seq` of a tagged stream: a 4-byte big-endian sequence number, then
 * `len - 4` bytes that depend on seq and position, so a byte received twice,
 * lost, or out of place shows up as a mismatch.
 */
export function chunk(seq: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  buf.writeUInt32BE(seq >>> 0, 0);
  for (let i = 4; i < len; i++) buf[i] = (seq * 31 + i * 7) & 0xff;
  return buf;
}

/** Waits until every future is done (resolved, rejected or cancelled); never throws. */
export async function settleAll(futures: Iterable<Future<unknown>>): Promise<void> {
  await Promise.all(
    [...futures].map(
      (f) =>
        new Promise<void>((resolve) => {
          f.addDoneCallback(() => resolve());
        }),
    ),
  );
}

/** The outcome of a done future: 'result', 'cancelled' or the error. */
export function outcome(f: Future<unknown>): 'result' | 'cancelled' | Error {
  if (f.cancelled()) return 'cancelled';
  const e = f.exception();
  return e === null ? 'result' : e;
}

/** One turn of Node's event loop (completions are delivered in its poll phase). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
