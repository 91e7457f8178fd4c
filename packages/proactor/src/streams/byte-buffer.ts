// The byte queue behind StreamReader (CPython's `self._buffer`, a
// bytearray). asyncio extends the bytearray with every chunk and deletes
// what a read takes; here the buffer avoids copies where it can:
// - A chunk that arrives while the queue is empty is kept as it is (the
//   transport hands its data over: it belongs to the protocol), and reads
//   return subarrays of it. A stream of whole lines is read with no copy.
// - A chunk that arrives while bytes wait is copied behind them into a
//   buffer the queue owns, which grows geometrically while data piles up
//   (a long line, readexactly(n) of a large n), so appends stay amortized
//   O(1) per byte.
// Bytes handed out are never written again: appends go after the end only,
// and a drained queue starts over on the next chunk instead of reusing its
// buffer.

const EMPTY = Buffer.alloc(0);

/** Views `data` as a Buffer without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export class ByteBuffer {
  private _buf: Buffer = EMPTY;
  private _start = 0;
  private _end = 0;
  /** True when `_buf` was allocated here (bytes past `_end` may be written). */
  private _owned = false;

  get length(): number {
    return this._end - this._start;
  }

  /** Appends `data`; the queue may keep `data` itself (it must not change afterwards). */
  append(data: Uint8Array): void {
    const n = data.byteLength;
    if (n === 0) return;
    if (this._start === this._end) {
      this._buf = asBuffer(data);
      this._start = 0;
      this._end = n;
      this._owned = false;
      return;
    }
    if (this._owned && this._end + n <= this._buf.length) {
      this._buf.set(data, this._end);
      this._end += n;
      return;
    }
    const len = this._end - this._start;
    // A short remainder (a partial line) is joined with the chunk at its
    // exact size; a queue that keeps growing doubles its room.
    const next = Buffer.allocUnsafe(Math.max(len + n, 2 * len));
    this._buf.copy(next, 0, this._start, this._end);
    next.set(data, len);
    this._buf = next;
    this._start = 0;
    this._end = len + n;
    this._owned = true;
  }

  /**
   * The index (from the start of the queue) of the first `sep` at or after
   * `from`, or -1. `sep` is a byte value or a non-empty byte string.
   */
  indexOf(sep: number | Uint8Array, from: number): number {
    const at = this._buf.indexOf(sep, this._start + from);
    if (at < 0) return -1;
    const seplen = typeof sep === 'number' ? 1 : sep.byteLength;
    // Bytes past _end of an owned buffer are not data: a match there is none.
    return at + seplen <= this._end ? at - this._start : -1;
  }

  /** True if the bytes at `at` are `sep`. */
  startsWith(sep: Uint8Array, at: number): boolean {
    const from = this._start + at;
    if (from + sep.byteLength > this._end) return false;
    for (let i = 0; i < sep.byteLength; i++) {
      if (this._buf[from + i] !== sep[i]) return false;
    }
    return true;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    const from = this._start;
    if (n >= this._end - from) return this.takeAll();
    this._start = from + n;
    return this._buf.subarray(from, from + n);
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    const out = this._start === 0 && this._end === this._buf.length ? this._buf : this._buf.subarray(this._start, this._end);
    this.clear();
    return out;
  }

  /** Drops the first `n` bytes. */
  discard(n: number): void {
    if (n >= this._end - this._start) this.clear();
    else this._start += n;
  }

  clear(): void {
    this._buf = EMPTY;
    this._start = this._end = 0;
    this._owned = false;
  }

  /** A copy of the bytes queued (for tests and debugging). */
  toBuffer(): Buffer {
    return Buffer.from(this._buf.subarray(this._start, this._end));
  }
}
