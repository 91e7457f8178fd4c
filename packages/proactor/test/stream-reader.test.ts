// StreamReader fed by hand (feedData/feedEof/setException), as CPython's
// Lib/test/test_asyncio/test_streams.py StreamTests does (test_feed_*,
// test_read*, test_readline*, test_readuntil*, test_readexactly*,
// test_exception*, test___repr__*), on a loop with no I/O.
import { CancelledError, IncompleteReadError, InvalidStateError, LimitOverrunError, RuntimeError, wait } from '@iocp/futures';
import { StreamReader } from '@iocp/proactor';

import { closeLoops, newLoop, runBriefly } from './stream-helpers';
import type { TestLoop } from './stream-helpers';

const DATA = Buffer.from('line1\nline2\nline3\n');
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('StreamReader', () => {
  let loop: TestLoop;
  let stream: StreamReader;

  beforeEach(() => {
    loop = newLoop();
    stream = new StreamReader({ loop });
  });

  afterEach(closeLoops);

  /** What the reader still holds. */
  const buffered = (s: StreamReader = stream): string => s._buffer.toBuffer().toString('latin1');

  it('feedData of an empty buffer adds nothing', () => {
    stream.feedData(b(''));
    expect(buffered()).toBe('');
  });

  it('feedData keeps the bytes', () => {
    stream.feedData(DATA);
    expect(buffered()).toBe(DATA.toString());
  });

  it('read(0) returns an empty buffer and leaves the data', async () => {
    stream.feedData(DATA);
    expect((await loop.runUntilComplete(stream.read(0))).length).toBe(0);
    expect(buffered()).toBe(DATA.toString());
  });

  it('read(n) waits for data fed later', async () => {
    const task = loop.createTask(() => stream.read(30));
    loop.callSoon(() => stream.feedData(DATA));
    expect((await loop.runUntilComplete(task)).toString()).toBe(DATA.toString());
    expect(buffered()).toBe('');
  });

  it('read(n) takes at most n bytes across chunks', async () => {
    stream.feedData(b('line1'));
    stream.feedData(b('line2'));
    expect((await loop.runUntilComplete(stream.read(5))).toString()).toBe('line1');
    expect(buffered()).toBe('line2');
  });

  it('read(n) returns an empty buffer at EOF', async () => {
    const task = loop.createTask(() => stream.read(1024));
    loop.callSoon(() => stream.feedEof());
    expect((await loop.runUntilComplete(task)).length).toBe(0);
    expect(buffered()).toBe('');
  });

  it('read(-1) reads everything until EOF', async () => {
    const task = loop.createTask(() => stream.read(-1));
    loop.callSoon(() => {
      stream.feedData(b('chunk1\n'));
      stream.feedData(b('chunk2'));
      stream.feedEof();
    });
    expect((await loop.runUntilComplete(task)).toString()).toBe('chunk1\nchunk2');
    expect(buffered()).toBe('');
  });

  it('read() with no argument reads until EOF past the limit', async () => {
    const small = new StreamReader({ loop, limit: 4 });
    const task = loop.createTask(() => small.read());
    loop.callSoon(() => {
      small.feedData(b('0123456789'));
      small.feedData(b('abcdef'));
      small.feedEof();
    });
    expect((await loop.runUntilComplete(task)).toString()).toBe('0123456789abcdef');
  });

  it('read throws the exception set on the stream', async () => {
    stream.feedData(b('line\n'));
    expect((await loop.runUntilComplete(stream.read(2))).toString()).toBe('li');
    const error = new Error('boom');
    stream.setException(error);
    await expect(loop.runUntilComplete(stream.read(2))).rejects.toBe(error);
  });

  it('refuses a limit <= 0 and a limit that is not a number', () => {
    expect(() => new StreamReader({ loop, limit: 0 })).toThrow(RangeError);
    expect(() => new StreamReader({ loop, limit: -1 })).toThrow(/imit/);
    expect(() => new StreamReader({ loop, limit: '1' as unknown as number })).toThrow(TypeError);
  });

  it('read is not bound by the limit', async () => {
    const small = new StreamReader({ limit: 3, loop });
    small.feedData(b('chunk'));
    expect((await loop.runUntilComplete(small.read(5))).toString()).toBe('chunk');
    expect(buffered(small)).toBe('');
  });

  it('read refuses a count that is not an integer', () => {
    expect(() => stream.read(1.5)).toThrow(RangeError);
    expect(() => stream.read('1' as unknown as number)).toThrow(TypeError);
  });

  it('readline waits for the newline across chunks', async () => {
    stream.feedData(b('chunk1 '));
    const task = loop.createTask(() => stream.readline());
    loop.callSoon(() => {
      stream.feedData(b('chunk2 '));
      stream.feedData(b('chunk3 '));
      stream.feedData(b('\n chunk4'));
    });
    expect((await loop.runUntilComplete(task)).toString()).toBe('chunk1 chunk2 chunk3 \n');
    expect(buffered()).toBe(' chunk4');
  });

  it('readline over the limit with the data already there drops that line', async () => {
    let small = new StreamReader({ limit: 3, loop });
    small.feedData(b('li'));
    small.feedData(b('ne1\nline2\n'));
    await expect(loop.runUntilComplete(small.readline())).rejects.toThrow(RangeError);
    expect(buffered(small)).toBe('line2\n');

    small = new StreamReader({ limit: 3, loop });
    small.feedData(b('li'));
    small.feedData(b('ne1'));
    small.feedData(b('li'));
    // No newline: what was consumed is over the limit, the buffer is cleared.
    await expect(loop.runUntilComplete(small.readline())).rejects.toThrow(RangeError);
    expect(buffered(small)).toBe('');
  });

  it('atEof is true once EOF was fed and the buffer is empty', async () => {
    expect(stream.atEof()).toBe(false);
    stream.feedData(b('some data\n'));
    expect(stream.atEof()).toBe(false);
    await loop.runUntilComplete(stream.readline());
    expect(stream.atEof()).toBe(false);
    stream.feedData(b('some data\n'));
    stream.feedEof();
    await loop.runUntilComplete(stream.readline());
    expect(stream.atEof()).toBe(true);
  });

  it('readline over the limit with data fed later throws RangeError', async () => {
    let small = new StreamReader({ limit: 7, loop });
    loop.callSoon(() => {
      small.feedData(b('chunk1'));
      small.feedData(b('chunk2'));
      small.feedData(b('chunk3\n'));
      small.feedEof();
    });
    const error = await loop.runUntilComplete(small.readline()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).cause).toBeInstanceOf(LimitOverrunError);
    expect(buffered(small)).toBe('');

    small = new StreamReader({ limit: 7, loop });
    loop.callSoon(() => {
      small.feedData(b('chunk1'));
      small.feedData(b('chunk2\n'));
      small.feedData(b('chunk3\n'));
      small.feedEof();
    });
    await expect(loop.runUntilComplete(small.readline())).rejects.toThrow(RangeError);
    expect(buffered(small)).toBe('chunk3\n');

    // The limit is strict: 7 bytes and a newline pass, 8 do not.
    small = new StreamReader({ limit: 7, loop });
    small.feedData(b('1234567\n'));
    expect((await loop.runUntilComplete(small.readline())).toString()).toBe('1234567\n');
    expect(buffered(small)).toBe('');
    small.feedData(b('12345678\n'));
    await expect(loop.runUntilComplete(small.readline())).rejects.toThrow(RangeError);
    expect(buffered(small)).toBe('');
    small.feedData(b('12345678'));
    await expect(loop.runUntilComplete(small.readline())).rejects.toThrow(RangeError);
    expect(buffered(small)).toBe('');
  });

  it('readline returns a line that is already buffered at once', async () => {
    stream.feedData(DATA.subarray(0, 6));
    stream.feedData(DATA.subarray(6));
    expect((await loop.runUntilComplete(stream.readline())).toString()).toBe('line1\n');
    expect(buffered()).toBe('line2\nline3\n');
  });

  it('readline returns the partial line at EOF', async () => {
    stream.feedData(b('some data'));
    stream.feedEof();
    expect((await loop.runUntilComplete(stream.readline())).toString()).toBe('some data');
  });

  it('readline returns an empty buffer at EOF with nothing left', async () => {
    stream.feedEof();
    expect((await loop.runUntilComplete(stream.readline())).length).toBe(0);
  });

  it('read after readline continues where the line ended', async () => {
    stream.feedData(DATA);
    await loop.runUntilComplete(stream.readline());
    expect((await loop.runUntilComplete(stream.read(7))).toString()).toBe('line2\nl');
    expect(buffered()).toBe('ine3\n');
  });

  it('readline throws the exception set on the stream', async () => {
    stream.feedData(b('line\n'));
    expect((await loop.runUntilComplete(stream.readline())).toString()).toBe('line\n');
    const error = new Error('boom');
    stream.setException(error);
    await expect(loop.runUntilComplete(stream.readline())).rejects.toBe(error);
    expect(buffered()).toBe('');
  });

  it('readuntil refuses an empty separator', () => {
    expect(() => stream.readuntil(b(''))).toThrow(/Separator should be/);
    expect(() => stream.readuntil([])).toThrow(RangeError);
    expect(() => stream.readuntil(42 as unknown as string)).toThrow(TypeError);
  });

  it('readuntil finds a separator of several bytes', async () => {
    stream.feedData(b('lineAAA'));
    expect((await loop.runUntilComplete(stream.readuntil(b('AAA')))).toString()).toBe('lineAAA');
    expect(buffered()).toBe('');
    stream.feedData(b('lineAAA'));
    expect((await loop.runUntilComplete(stream.readuntil('AAA'))).toString()).toBe('lineAAA');
    expect(buffered()).toBe('');
    stream.feedData(b('lineAAAxxx'));
    expect((await loop.runUntilComplete(stream.readuntil(b('AAA')))).toString()).toBe('lineAAA');
    expect(buffered()).toBe('xxx');
  });

  it('readuntil finds a separator split across chunks', async () => {
    const cases: Array<[string[], string]> = [
      [['QWEaa', 'XYaa', 'a'], 'QWEaaXYaaa'],
      [['QWEaa', 'XYa', 'aa'], 'QWEaaXYaaa'],
      [['aaa'], 'aaa'],
      [['Xaaa'], 'Xaaa'],
      [['XXX', 'a', 'a', 'a'], 'XXXaaa'],
    ];
    for (const [chunks, expected] of cases) {
      for (const chunk of chunks) stream.feedData(b(chunk));
      expect((await loop.runUntilComplete(stream.readuntil(b('aaa')))).toString()).toBe(expected);
      expect(buffered()).toBe('');
    }
  });

  it('readuntil finds the separator in a chunk fed while it waits', async () => {
    stream.feedData(b('QWEaa'));
    const task = loop.createTask(() => stream.readuntil(b('aaa')));
    loop.callSoon(() => stream.feedData(b('XY')));
    loop.callSoon(() => stream.feedData(b('aaa!')));
    expect((await loop.runUntilComplete(task)).toString()).toBe('QWEaaXYaaa');
    expect(buffered()).toBe('!');
  });

  it('readuntil at EOF throws IncompleteReadError with what was read', async () => {
    const data = b('some dataAA');
    stream.feedData(data);
    stream.feedEof();
    const error = (await loop.runUntilComplete(stream.readuntil(b('AAA'))).catch((e: unknown) => e)) as IncompleteReadError;
    expect(error).toBeInstanceOf(IncompleteReadError);
    expect(error.message).toMatch(/undefined expected bytes/);
    expect(error.partial.toString()).toBe(data.toString());
    expect(error.expected).toBeNull();
    expect(buffered()).toBe('');
  });

  it('readuntil over the limit throws LimitOverrunError and keeps the data', async () => {
    const small = new StreamReader({ loop, limit: 3 });
    small.feedData(b('some dataAA'));
    let error = (await loop.runUntilComplete(small.readuntil(b('AAA'))).catch((e: unknown) => e)) as LimitOverrunError;
    expect(error).toBeInstanceOf(LimitOverrunError);
    expect(error.message).toMatch(/not found/);
    expect(error.consumed).toBe(9);
    expect(buffered(small)).toBe('some dataAA');

    small.feedData(b('A'));
    error = (await loop.runUntilComplete(small.readuntil(b('AAA'))).catch((e: unknown) => e)) as LimitOverrunError;
    expect(error).toBeInstanceOf(LimitOverrunError);
    expect(error.message).toMatch(/is found/);
    expect(error.consumed).toBe(9);
    expect(buffered(small)).toBe('some dataAAA');
  });

  it('readuntil with several separators returns the shortest result', async () => {
    stream.feedData(b('line 1\nline 2\r'));
    expect((await loop.runUntilComplete(stream.readuntil([b('\r'), b('\n')]))).toString()).toBe('line 1\n');
    expect((await loop.runUntilComplete(stream.readuntil([b('\r'), b('\n')]))).toString()).toBe('line 2\r');
    expect(buffered()).toBe('');

    // The first end position wins, even when it is the longer separator.
    stream.feedData(b('ABCDEFG'));
    expect((await loop.runUntilComplete(stream.readuntil([b('DEF'), b('BCDE')]))).toString()).toBe('ABCDE');
    expect(buffered()).toBe('FG');
  });

  it('readuntil with several separators checks the limit against the match', async () => {
    const small = new StreamReader({ loop, limit: 3 });
    small.feedData(b('some dataA'));
    const error = await loop.runUntilComplete(small.readuntil([b('A'), b('ome dataA')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitOverrunError);
    expect((error as Error).message).toMatch(/is found/);
    expect(buffered(small)).toBe('some dataA');
  });

  it('readuntil with a long and a short separator never searches before the start', async () => {
    // The buffer fits the short separator (not there) but not the long one.
    stream.feedData(b('data'));
    const task = loop.createTask(() => stream.readuntil([b('A'), b('long sep')]));
    loop.callSoon(() => stream.feedData(b('Z')));
    loop.callSoon(() => stream.feedData(b('Aaaa')));
    expect((await loop.runUntilComplete(task)).toString()).toBe('dataZA');
    expect(buffered()).toBe('aaa');
  });

  it('readuntil accepts any Uint8Array as separator', async () => {
    stream.feedData(b('some data\r\n'));
    expect((await loop.runUntilComplete(stream.readuntil(new Uint8Array([13, 10])))).toString()).toBe('some data\r\n');
    expect(buffered()).toBe('');
  });

  it('readexactly(0) returns an empty buffer; a negative count throws RangeError', async () => {
    stream.feedData(DATA);
    expect((await loop.runUntilComplete(stream.readexactly(0))).length).toBe(0);
    expect(buffered()).toBe(DATA.toString());
    expect(() => stream.readexactly(-1)).toThrow(/less than zero/);
    expect(() => stream.readexactly(-1)).toThrow(RangeError);
    expect(buffered()).toBe(DATA.toString());
  });

  it('readexactly waits for the whole count', async () => {
    const n = 2 * DATA.length;
    const task = loop.createTask(() => stream.readexactly(n));
    loop.callSoon(() => {
      stream.feedData(DATA);
      stream.feedData(DATA);
      stream.feedData(DATA);
    });
    expect((await loop.runUntilComplete(task)).toString()).toBe(DATA.toString() + DATA.toString());
    expect(buffered()).toBe(DATA.toString());
  });

  it('readexactly is not bound by the limit', async () => {
    const small = new StreamReader({ limit: 3, loop });
    small.feedData(b('chunk'));
    expect((await loop.runUntilComplete(small.readexactly(5))).toString()).toBe('chunk');
    expect(buffered(small)).toBe('');
  });

  it('readexactly at EOF throws IncompleteReadError with partial and expected', async () => {
    const n = 2 * DATA.length;
    const task = loop.createTask(() => stream.readexactly(n));
    loop.callSoon(() => {
      stream.feedData(DATA);
      stream.feedEof();
    });
    const error = (await loop.runUntilComplete(task).catch((e: unknown) => e)) as IncompleteReadError;
    expect(error).toBeInstanceOf(IncompleteReadError);
    expect(error.partial.toString()).toBe(DATA.toString());
    expect(error.expected).toBe(n);
    expect(error.message).toBe('18 bytes read on a total of 36 expected bytes');
    expect(buffered()).toBe('');
  });

  it('readexactly throws the exception set on the stream', async () => {
    stream.feedData(b('line\n'));
    expect((await loop.runUntilComplete(stream.readexactly(2))).toString()).toBe('li');
    const error = new Error('boom');
    stream.setException(error);
    await expect(loop.runUntilComplete(stream.readexactly(2))).rejects.toBe(error);
  });

  it('exception() returns what setException set', () => {
    expect(stream.exception()).toBeNull();
    const error = new Error('x');
    stream.setException(error);
    expect(stream.exception()).toBe(error);
  });

  it('setException wakes a read that waits', async () => {
    const error = new Error('x');
    const t1 = loop.createTask(() => stream.readline());
    const t2 = loop.createTask(async () => stream.setException(error));
    await loop.runUntilComplete(wait<unknown>([t1, t2]));
    expect(() => t1.result()).toThrow(error);
  });

  it('setException after the waiting task was cancelled leaves no waiter', async () => {
    const task = loop.createTask(() => stream.readline());
    await runBriefly(loop);
    task.cancel();
    await runBriefly(loop);
    expect(task.cancelled()).toBe(true);
    // Fails if setException() does not check that the waiter was cancelled.
    stream.setException(new RuntimeError('message'));
    await runBriefly(loop);
    expect(stream._waiter).toBeNull();
  });

  it('cancelling a task in readline cancels the reader waiter; data fed later stays buffered', async () => {
    const task = loop.createTask(() => stream.readline());
    await runBriefly(loop);
    const waiter = stream._waiter!;
    expect(waiter).not.toBeNull();
    task.cancel('stop');
    await expect(loop.runUntilComplete(task)).rejects.toBeInstanceOf(CancelledError);
    expect(waiter.cancelled()).toBe(true);
    stream.feedData(b('later\n'));
    expect((await loop.runUntilComplete(stream.readline())).toString()).toBe('later\n');
  });

  it('two reads may not wait at once', async () => {
    const first = loop.createTask(() => stream.read(1));
    const second = loop.createTask(() => stream.read(1));
    await runBriefly(loop);
    expect(second.done()).toBe(true);
    expect(() => second.result()).toThrow(/read\(\) called while another coroutine is already waiting/);
    stream.feedData(b('x'));
    expect((await loop.runUntilComplete(first)).toString()).toBe('x');
  });

  it('feedData after feedEof throws InvalidStateError', () => {
    stream.feedEof();
    expect(() => stream.feedData(b('late'))).toThrow(InvalidStateError);
  });

  it('iterates by line until EOF', async () => {
    loop.callSoon(() => {
      stream.feedData(b('one\ntw'));
      stream.feedData(b('o\nthree'));
      stream.feedEof();
    });
    const lines = await loop.runUntilComplete(
      loop.createTask(async () => {
        const got: string[] = [];
        for await (const line of stream) got.push(line.toString());
        return got;
      }),
    );
    expect(lines).toEqual(['one\n', 'two\n', 'three']);
  });

  it('works with no loop at all (loop-less futures)', async () => {
    const plain = new StreamReader({ loop: null });
    expect(plain.getLoop()).toBeNull();
    const line = plain.readline();
    setImmediate(() => plain.feedData(b('no loop\n')));
    expect((await line).toString()).toBe('no loop\n');
  });

  it('describes its state in toString', () => {
    expect(String(stream)).toBe('<StreamReader>');
    expect(String(new StreamReader({ loop, limit: 123 }))).toBe('<StreamReader limit=123>');
    const eof = new StreamReader({ loop });
    eof.feedEof();
    expect(String(eof)).toBe('<StreamReader eof>');
    const data = new StreamReader({ loop });
    data.feedData(b('data'));
    expect(String(data)).toBe('<StreamReader 4 bytes>');
    const failed = new StreamReader({ loop });
    failed.setException(new RuntimeError());
    expect(String(failed)).toBe('<StreamReader exception=RuntimeError()>');
  });
});
