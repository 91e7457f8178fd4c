// Port of asyncio/streams.py StreamReader (Python 3.13): a buffer fed by a
// protocol (feedData/feedEof/setException) and read by coroutines
// (read, readline, readexactly, readuntil), with flow control on the
// transport that feeds it.
//
// Differences from asyncio, and why:
// - The loop is `opts.loop`, else the running loop, else none: the reader's
//   waiter is then a loop-less Future (asyncio raises 'no current event
//   loop'); plain async code can use a reader with no loop at all.
// - Bad arguments throw synchronously (TypeError, RangeError) instead of
//   from the coroutine, as everywhere in @iocp. Python's ValueError is a
//   RangeError here: a limit <= 0, an empty separator, readexactly(-1), and
//   readline() over the limit (its `cause` is the LimitOverrunError).
// - feedData() keeps the Buffer it is given (no copy: a transport's data
//   belongs to the protocol), and reads return views of it; see
//   byte-buffer.ts. asyncio copies into a bytearray.
// - Separators may also be strings (UTF-8).
import { Future, IncompleteReadError, InvalidStateError, LimitOverrunError, RuntimeError, getRunningLoopOrNull } from '@iocp/futures';
import type { BaseEventLoop } from '@iocp/futures';
import type { ReadTransport } from '../transports/types';
import { ByteBuffer } from './byte-buffer';
import { checkCount, describe, describeError, toSeparator } from './reader-args';
import type { Separator, StreamReaderOptions } from './reader-args';

export type { Separator, StreamReaderOptions } from './reader-args';

/** streams.py _DEFAULT_LIMIT: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const NEWLINE = Buffer.from('\n');
const NL = 0x0a;

/**
 * The reading half of a stream connection (streams.py StreamReader): a
 * buffer its protocol feeds, read with read(), readline(), readexactly()
 * or readuntil(), or line by line with `for await (const line of reader)`.
 * Reading pauses the transport when more than 2 x limit bytes wait.
 */
export class StreamReader implements AsyncIterable<Buffer> {
  /** @internal */ readonly _limit: number;
  /** @internal */ readonly _loop: BaseEventLoop | null;
  /** @internal The bytes fed and not read yet. */
  readonly _buffer = new ByteBuffer();
  /** @internal Whether feedEof() was called. */
  _eof = false;
  /** @internal The future a read waits on (_wait_for_data). */
  _waiter: Future<void> | null = null;
  /** @internal */ _exception: Error | null = null;
  /** @internal */ _transport: ReadTransport | null = null;
  /** @internal True while the reader paused its transport. */
  _paused = false;

  // Port of StreamReader.__init__.
  constructor(opts: StreamReaderOptions = {}) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    const limit = opts.limit ?? DEFAULT_LIMIT;
    if (typeof limit !== 'number' || Number.isNaN(limit)) throw new TypeError('limit must be a number');
    // The line length limit is a security feature; it also doubles as
    // half the buffer limit.
    if (limit <= 0) throw new RangeError('limit cannot be <= 0');
    this._limit = limit;
    this._loop = opts.loop === undefined ? getRunningLoopOrNull() : opts.loop;
  }

  /** The line length limit. */
  get limit(): number {
    return this._limit;
  }

  /** @internal The loop of this reader's futures (null: loop-less). */
  getLoop(): BaseEventLoop | null {
    return this._loop;
  }

  // Port of StreamReader.__repr__.
  toString(): string {
    const info = ['StreamReader'];
    if (this._buffer.length > 0) info.push(`${this._buffer.length} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${String(this._waiter)}`);
    if (this._exception !== null) info.push(`exception=${describeError(this._exception)}`);
    if (this._transport !== null) info.push(`transport=${describe(this._transport)}`);
    if (this._paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }

  /** The error set by setException(), or null. */
  exception(): Error | null {
    return this._exception;
  }

  // Port of StreamReader.set_exception.
  /** Makes every read from now on (and the one waiting) throw `exc`. */
  setException(exc: Error): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setException(exc);
    }
  }

  // Port of StreamReader._wakeup_waiter: wakes a read waiting for data or EOF.
  private _wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
  }

  // Port of StreamReader.set_transport.
  /** The transport flow control pauses and resumes (set once). */
  setTransport(transport: ReadTransport): void {
    if (this._transport !== null) throw new InvalidStateError('Transport already set');
    this._transport = transport;
  }

  // Port of StreamReader._maybe_resume_transport.
  /** @internal */
  _maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  // Port of StreamReader.feed_eof.
  /** The end of the stream: reads return what is left, then empty buffers. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** True if the buffer is empty and feedEof() was called. */
  atEof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  // Port of StreamReader.feed_data.
  /**
   * Adds `data` to the buffer and wakes a waiting read. The reader keeps
   * `data` (it must not be modified afterwards). Over twice the limit, the
   * transport is paused until reads bring the buffer under the limit.
   */
  feedData(data: Uint8Array): void {
    if (this._eof) throw new InvalidStateError('feedData after feedEof');
    if (data.byteLength === 0) return;
    this._buffer.append(data);
    this._wakeupWaiter();
    const transport = this._transport;
    if (transport !== null && !this._paused && this._buffer.length > 2 * this._limit) {
      if (typeof transport.pauseReading !== 'function') {
        // The transport can't be paused: buffer everything, stop trying.
        this._transport = null;
      } else {
        transport.pauseReading();
        this._paused = true;
      }
    }
  }

  // Port of StreamReader._wait_for_data: waits until feedData() or
  // feedEof() is called; resumes the transport if it was paused. Split in
  // two so that the reads await the waiter themselves (one async frame
  // less per wait): `const w = this._waiterFor(name); try { await w }
  // finally { this._doneWaiting(w) }`.
  /** @internal The checks of _wait_for_data and its waiter (a Future of the reader's loop). */
  _waiterFor(funcName: string): Future<void> {
    // One waiter at a time: with two, which one gets the next data is not defined.
    if (this._waiter !== null) {
      throw new RuntimeError(`${funcName}() called while another coroutine is already waiting for incoming data`);
    }
    if (this._eof) throw new InvalidStateError('_waitForData after EOF');
    // Waiting while paused would deadlock (readexactly(n) with n > limit).
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = new Future<void>({ loop: this._loop });
    this._waiter = waiter;
    return waiter;
  }

  /** @internal The `finally` of _wait_for_data. */
  _doneWaiting(waiter: Future<void>): void {
    // The waiter is already gone when it was woken (and maybe replaced).
    if (this._waiter === waiter) this._waiter = null;
  }

  // Port of StreamReader.readline.
  /**
   * Reads one line, `\n` included. At EOF returns the partial line (an
   * empty Buffer when nothing is left). A line over the limit throws
   * RangeError: the line is dropped if its newline was found, else the
   * whole buffer is.
   */
  readline(): Promise<Buffer> {
    // Fast path (same outcome as the port below): a whole line within the
    // limit is buffered; no async frames.
    if (this._exception === null) {
      const at = this._buffer.indexOf(NL, 0);
      if (at >= 0 && at <= this._limit) {
        const line = this._buffer.take(at + 1);
        this._maybeResumeTransport();
        return Promise.resolve(line);
      }
    }
    return this._readline();
  }

  private async _readline(): Promise<Buffer> {
    try {
      return await this._readuntil([NEWLINE]);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (error instanceof LimitOverrunError) {
        if (this._buffer.startsWith(NEWLINE, error.consumed)) this._buffer.discard(error.consumed + NEWLINE.length);
        else this._buffer.clear();
        this._maybeResumeTransport();
        throw new RangeError(error.message, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Reads up to and including `separator` (or the first to end of several:
   * the shortest result wins). EOF before it: IncompleteReadError (the
   * buffer is emptied into `partial`). No separator within the limit:
   * LimitOverrunError (the data stays in the buffer).
   */
  readuntil(separator: Separator | readonly Separator[] = NEWLINE): Promise<Buffer> {
    let separators: Buffer[];
    if (Array.isArray(separator)) {
      // Port of 3.13's tuple of separators: sorted by length, the shortest first.
      separators = (separator as readonly unknown[]).map((s) => toSeparator(s, 'separator'));
      separators.sort((a, b) => a.length - b.length);
      if (separators.length === 0) throw new RangeError('separator should contain at least one element');
    } else {
      separators = [toSeparator(separator, 'separator')];
    }
    if (separators[0].length === 0) throw new RangeError('Separator should be at least one-byte string');
    return this._readuntil(separators);
  }

  // Port of StreamReader.readuntil (3.13). `separators` are sorted by length.
  private async _readuntil(separators: Buffer[]): Promise<Buffer> {
    if (this._exception !== null) throw this._exception;
    const minSeplen = separators[0].length;
    const maxSeplen = separators[separators.length - 1].length;
    const single = separators.length === 1 ? separators[0] : null;
    const needle = single !== null && single.length === 1 ? single[0] : single;
    // `offset`: the bytes from the start of the buffer known to hold no
    // separator. Everything but the last maxSeplen - 1 bytes is skipped on
    // the next search (they may hold the start of a separator).
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this._buffer.length;
      if (buflen - offset >= minSeplen) {
        if (needle !== null) {
          const at = this._buffer.indexOf(needle, offset);
          if (at >= 0) {
            matchStart = at;
            matchEnd = at + minSeplen;
          }
        } else {
          for (const sep of separators) {
            const at = this._buffer.indexOf(sep, offset);
            if (at >= 0 && (matchEnd < 0 || at + sep.length < matchEnd)) {
              matchStart = at;
              matchEnd = at + sep.length;
            }
          }
        }
        if (matchEnd >= 0) break;
        offset = Math.max(0, buflen + 1 - maxSeplen);
        if (offset > this._limit) {
          throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
        }
      }
      // A complete separator may have come with the last chunk before EOF,
      // so EOF is checked after the search.
      if (this._eof) throw new IncompleteReadError(this._buffer.takeAll(), null);
      // Waiting resumes reading if the stream was paused.
      const waiter = this._waiterFor('readuntil');
      try {
        await waiter;
      } finally {
        this._doneWaiting(waiter);
      }
    }
    if (matchStart > this._limit) {
      throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    }
    const chunk = this._buffer.take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  // Port of StreamReader.read.
  /**
   * Reads up to `n` bytes: as soon as at least one is there; an empty
   * Buffer at EOF. `n` < 0 (the default) reads until EOF. Not bound by the limit.
   */
  read(n = -1): Promise<Buffer> {
    checkCount(n, 'n');
    // Fast path (same outcome as the port below): bytes are buffered.
    if (n > 0 && this._exception === null && this._buffer.length > 0) {
      const data = this._buffer.take(Math.min(n, this._buffer.length));
      this._maybeResumeTransport();
      return Promise.resolve(data);
    }
    return this._read(n);
  }

  private async _read(n: number): Promise<Buffer> {
    if (this._exception !== null) throw this._exception;
    if (n === 0) return Buffer.alloc(0);
    if (n < 0) {
      // Read by limit-sized blocks until EOF: waiting for everything in the
      // buffer would deadlock once it is over the flow-control limit.
      const blocks: Buffer[] = [];
      for (;;) {
        const block = await this._read(this._limit);
        if (block.length === 0) break;
        blocks.push(block);
      }
      return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
    }
    if (this._buffer.length === 0 && !this._eof) {
      const waiter = this._waiterFor('read');
      try {
        await waiter;
      } finally {
        this._doneWaiting(waiter);
      }
    }
    const data = this._buffer.take(Math.min(n, this._buffer.length));
    this._maybeResumeTransport();
    return data;
  }

  // Port of StreamReader.readexactly.
  /**
   * Reads exactly `n` bytes; EOF first throws IncompleteReadError with the
   * bytes read as `partial`. Not bound by the limit.
   */
  readexactly(n: number): Promise<Buffer> {
    if (checkCount(n, 'n') < 0) throw new RangeError('readexactly size can not be less than zero');
    // Fast path (same outcome as the port below): the bytes are buffered.
    if (n > 0 && this._exception === null && this._buffer.length >= n) {
      const data = this._buffer.take(n);
      this._maybeResumeTransport();
      return Promise.resolve(data);
    }
    return this._readexactly(n);
  }

  private async _readexactly(n: number): Promise<Buffer> {
    if (this._exception !== null) throw this._exception;
    if (n === 0) return Buffer.alloc(0);
    while (this._buffer.length < n) {
      if (this._eof) throw new IncompleteReadError(this._buffer.takeAll(), n);
      const waiter = this._waiterFor('readexactly');
      try {
        await waiter;
      } finally {
        this._doneWaiting(waiter);
      }
    }
    const data = this._buffer.take(n);
    this._maybeResumeTransport();
    return data;
  }

  // Port of StreamReader.__aiter__/__anext__: iteration by line, ending at EOF.
  /** `for await (const line of reader)`: each line (with its newline) until end of file. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        const line = await this.readline();
        return line.length === 0 ? { value: undefined, done: true } : { value: line, done: false };
      },
    };
  }
}
