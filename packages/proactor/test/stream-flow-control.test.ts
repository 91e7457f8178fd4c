// Flow control between a StreamReader/StreamWriter and a transport, with a
// fake transport where CPython's tests use mocks too: the reader pauses
// its transport above twice its limit and resumes it at or under the limit
// (streams.py feed_data/_maybe_resume_transport/_wait_for_data); the
// writer's drain() waits while the protocol is paused (FlowControlMixin,
// test_streams.py test_multiple_drain) and fails once the connection is
// lost; StreamReaderProtocol's client callback (test_unhandled_exception,
// test_unhandled_cancel).
import { ConnectionResetError, gather } from '@iocp/futures';
import { FlowControlMixin, StreamReader, StreamReaderProtocol, StreamWriter } from '@iocp/proactor';

import { FakeTransport, captureExceptions, closeLoops, newLoop, runBriefly } from './stream-helpers';
import type { TestLoop } from './stream-helpers';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('StreamReader flow control', () => {
  let loop: TestLoop;
  afterEach(closeLoops);
  beforeEach(() => {
    loop = newLoop();
  });

  it('pauses the transport above twice the limit and resumes it at the limit', async () => {
    const transport = new FakeTransport();
    const stream = new StreamReader({ loop, limit: 4 });
    stream.setTransport(transport);
    stream.feedData(b('12345678'));
    expect(transport.calls).toEqual([]);
    stream.feedData(b('9'));
    expect(transport.calls).toEqual(['pauseReading']);
    stream.feedData(b('abc'));
    expect(transport.calls).toEqual(['pauseReading']); // paused once
    expect((await loop.runUntilComplete(stream.read(7))).toString()).toBe('1234567');
    expect(transport.calls).toEqual(['pauseReading']); // 5 left: still over the limit
    expect((await loop.runUntilComplete(stream.read(1))).toString()).toBe('8');
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading']);
  });

  it('a read waiting for more than the buffer holds resumes a paused transport', async () => {
    const transport = new FakeTransport();
    const stream = new StreamReader({ loop, limit: 2 });
    stream.setTransport(transport);
    stream.feedData(b('12345'));
    expect(transport.calls).toEqual(['pauseReading']);
    // readexactly(n > limit) would deadlock if the transport stayed paused.
    const task = loop.createTask(() => stream.readexactly(8));
    await runBriefly(loop);
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading']);
    stream.feedData(b('678'));
    expect((await loop.runUntilComplete(task)).toString()).toBe('12345678');
  });

  it('readline over the limit resumes the transport after dropping the line', async () => {
    const transport = new FakeTransport();
    const stream = new StreamReader({ loop, limit: 3 });
    stream.setTransport(transport);
    stream.feedData(b('toolong\nok\n'));
    expect(transport.calls).toEqual(['pauseReading']);
    await expect(loop.runUntilComplete(stream.readline())).rejects.toThrow(RangeError);
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading']);
    expect((await loop.runUntilComplete(stream.readline())).toString()).toBe('ok\n');
  });

  it('a transport that cannot pause is forgotten and everything is buffered', async () => {
    const transport = new FakeTransport();
    Object.defineProperty(transport, 'pauseReading', { value: undefined });
    const stream = new StreamReader({ loop, limit: 1 });
    stream.setTransport(transport);
    stream.feedData(b('abc'));
    expect(stream._transport).toBeNull();
    expect(stream._paused).toBe(false);
    stream.feedData(b('def'));
    stream.feedEof();
    expect((await loop.runUntilComplete(stream.read())).toString()).toBe('abcdef');
  });

  it('setTransport twice throws', () => {
    const stream = new StreamReader({ loop });
    stream.setTransport(new FakeTransport());
    expect(() => stream.setTransport(new FakeTransport())).toThrow(/Transport already set/);
  });
});

describe('StreamWriter.drain and FlowControlMixin', () => {
  let loop: TestLoop;
  afterEach(closeLoops);
  beforeEach(() => {
    loop = newLoop();
  });

  function connected(): { reader: StreamReader; protocol: StreamReaderProtocol; writer: StreamWriter; transport: FakeTransport } {
    const reader = new StreamReader({ loop });
    const protocol = new StreamReaderProtocol(reader, null, loop);
    const transport = new FakeTransport(protocol);
    protocol.connectionMade(transport);
    const writer = new StreamWriter(transport, protocol, reader, loop);
    return { reader, protocol, writer, transport };
  }

  it('many drains wait while paused and all wake on resumeWriting', async () => {
    const stream = new FlowControlMixin(loop);
    stream.pauseWriting();
    let drained = 0;
    const drainer = async (): Promise<void> => {
      await stream._drainHelper();
      drained += 1;
    };
    loop.callLater(1, () => stream.resumeWriting());
    await loop.runUntilComplete(gather(Array.from({ length: 10 }, () => loop.createTask(drainer))));
    expect(drained).toBe(10);
    expect(stream._drainWaiters).toHaveLength(0);
  });

  it('drain returns at once while not paused and writes reach the transport', async () => {
    const { writer, transport } = connected();
    writer.write(b('a'));
    writer.writelines([b('b'), b('c')]);
    await loop.runUntilComplete(writer.drain());
    expect(transport.data().toString()).toBe('abc');
  });

  it('drain waits while the protocol is paused', async () => {
    const { protocol, writer } = connected();
    protocol.pauseWriting();
    const task = loop.createTask(() => writer.drain());
    await runBriefly(loop);
    expect(task.done()).toBe(false);
    protocol.resumeWriting();
    await loop.runUntilComplete(task);
    expect(task.done()).toBe(true);
  });

  it('connectionLost wakes a paused drain with the connection error', async () => {
    const { protocol, writer } = connected();
    protocol.pauseWriting();
    const task = loop.createTask(() => writer.drain());
    await runBriefly(loop);
    const error = new ConnectionResetError('reset by peer');
    protocol.connectionLost(error);
    await expect(loop.runUntilComplete(task)).rejects.toBe(error);
  });

  it('drain throws the reader exception first', async () => {
    const { reader, writer } = connected();
    const error = new Error('broken');
    reader.setException(error);
    await expect(loop.runUntilComplete(writer.drain())).rejects.toBe(error);
  });

  it('drain after the connection was closed throws ConnectionResetError("Connection lost")', async () => {
    const { protocol, writer, transport } = connected();
    writer.close();
    expect(transport.calls).toEqual(['close']);
    expect(writer.isClosing()).toBe(true);
    loop.callSoon(() => protocol.connectionLost(null));
    const error = await loop.runUntilComplete(writer.drain()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionResetError);
    expect((error as Error).message).toBe('Connection lost');
  });

  it('waitClosed resolves on connectionLost(null) and rejects with its error', async () => {
    let c = connected();
    const closed = loop.createTask(() => c.writer.waitClosed());
    loop.callSoon(() => c.protocol.connectionLost(null));
    await loop.runUntilComplete(closed);
    expect(c.reader.atEof()).toBe(true);

    c = connected();
    const error = new Error('gone');
    c.protocol.connectionLost(error);
    await expect(loop.runUntilComplete(c.writer.waitClosed())).rejects.toBe(error);
    await expect(loop.runUntilComplete(c.reader.read(1))).rejects.toBe(error);
  });

  it('the writer passes writeEof, canWriteEof, getExtraInfo and close to the transport', () => {
    const { writer, transport } = connected();
    transport.extra.peername = ['127.0.0.1', 1];
    expect(writer.canWriteEof()).toBe(true);
    writer.writeEof();
    expect(writer.getExtraInfo('peername')).toEqual(['127.0.0.1', 1]);
    expect(writer.getExtraInfo('nothing', 'dflt')).toBe('dflt');
    expect(writer.transport).toBe(transport);
    expect(String(writer)).toBe('<StreamWriter transport=<FakeTransport> reader=<StreamReader transport=<FakeTransport>>>');
    writer.close();
    expect(transport.calls).toEqual(['writeEof', 'close']);
  });

  it('startTls is out of scope and throws', () => {
    const { writer } = connected();
    expect(() => writer.startTls()).toThrow(/not supported/);
  });

  it('the protocol feeds data and EOF to its reader and keeps the transport open on EOF', async () => {
    const { protocol, reader } = connected();
    protocol.dataReceived(b('hello\n'));
    expect(protocol.eofReceived()).toBe(true);
    expect((await loop.runUntilComplete(reader.read())).toString()).toBe('hello\n');
  });
});

describe('StreamReaderProtocol client callback', () => {
  let loop: TestLoop;
  afterEach(closeLoops);
  beforeEach(() => {
    loop = newLoop();
  });

  it('runs an async callback as a Task; its failure is reported and closes the transport', async () => {
    const seen = captureExceptions(loop);
    let got: [StreamReader, StreamWriter] | null = null;
    const protocol = new StreamReaderProtocol(new StreamReader({ loop }), async (r, w) => {
      got = [r, w];
      throw new Error('test');
    }, loop);
    const transport = new FakeTransport(protocol);
    protocol.connectionMade(transport);
    expect(protocol._task).not.toBeNull();
    await loop.runUntilComplete(protocol._task!).catch(() => undefined);
    await runBriefly(loop);
    expect(got![1].transport).toBe(transport);
    expect(seen).toHaveLength(1);
    expect(seen[0].message).toBe('Unhandled exception in client_connected_cb');
    expect((seen[0].exception as Error).message).toBe('test');
    expect(transport.calls).toEqual(['close']);
  });

  it('a cancelled handler closes the transport without a report', async () => {
    const seen = captureExceptions(loop);
    const protocol = new StreamReaderProtocol(new StreamReader({ loop }), async () => {
      await loop.createFuture();
    }, loop);
    const transport = new FakeTransport(protocol);
    protocol.connectionMade(transport);
    await runBriefly(loop);
    protocol._task!.cancel();
    await runBriefly(loop);
    expect(seen).toEqual([]);
    expect(transport.calls).toEqual(['close']);
  });

  it('calls a plain callback at once', () => {
    const calls: string[] = [];
    const protocol = new StreamReaderProtocol(new StreamReader({ loop }), (r, w) => {
      calls.push(`${String(r)} ${w.constructor.name}`);
    }, loop);
    protocol.connectionMade(new FakeTransport(protocol));
    expect(calls).toEqual(['<StreamReader transport=<FakeTransport>> StreamWriter']);
    expect(protocol._task).toBeNull();
  });

  it('refuses a callback that is not a function', () => {
    expect(() => new StreamReaderProtocol(new StreamReader({ loop }), 42 as never, loop)).toThrow(TypeError);
  });
});
