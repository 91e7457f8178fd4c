// asDuplex against a fake transport (what the Duplex asks of the
// transport, call by call): backpressure both ways, endings as net.Socket
// (end() -> writeEof, allowHalfOpen), destroy() -> abort, errors as
// 'error' events, and the [reader, writer] take-over.
import { once } from 'node:events';
import { Duplex } from 'node:stream';

import { ConnectionResetError } from '@iocp/futures';
import { StreamReader, StreamReaderProtocol, StreamWriter, asDuplex } from '@iocp/proactor';

import { FakeTransport, closeLoops, newLoop, runBriefly } from './stream-helpers';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Resolves on 'close' (listen before the close can happen: 'close' may follow 'error' at once). */
const closed = (stream: Duplex): Promise<void> => new Promise((resolve) => stream.once('close', () => resolve()));

function fake(): FakeTransport {
  const transport = new FakeTransport();
  transport.autoLose = true;
  return transport;
}

describe('asDuplex(transport) over a fake transport', () => {
  it('is a Duplex that takes the transport over', () => {
    const transport = fake();
    const previous = transport.protocol;
    const duplex = asDuplex(transport);
    expect(duplex).toBeInstanceOf(Duplex);
    expect(transport.protocol).not.toBe(previous);
    expect(duplex.transport).toBe(transport);
    duplex.destroy();
  });

  it('pushes received data and pauses the transport when the readable buffer is full', async () => {
    const transport = fake();
    const duplex = asDuplex(transport, { readableHighWaterMark: 4 });
    transport.proto.dataReceived!(b('ab'));
    expect(transport.calls).toEqual([]);
    transport.proto.dataReceived!(b('cdef'));
    expect(transport.calls).toEqual(['pauseReading']);
    expect(duplex.read()?.toString()).toBe('abcdef');
    await turn();
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading']);
    duplex.destroy();
  });

  it('writes go to the transport; a write waits while the transport is paused', async () => {
    const transport = fake();
    const duplex = asDuplex(transport, { writableHighWaterMark: 4 });
    const done: string[] = [];
    transport.proto.pauseWriting!();
    expect(duplex.write(b('12'), () => done.push('12'))).toBe(true);
    expect(duplex.write(b('345'), () => done.push('345'))).toBe(false);
    await turn();
    // The first chunk is with the transport; its callback waits for resumeWriting.
    expect(transport.data().toString()).toBe('12');
    expect(done).toEqual([]);
    const drained = once(duplex, 'drain');
    transport.proto.resumeWriting!();
    await drained;
    await turn();
    expect(done).toEqual(['12', '345']);
    expect(transport.data().toString()).toBe('12345');
    duplex.destroy();
  });

  it('corked writes reach the transport as one writelines', () => {
    const transport = fake();
    const lines: number[] = [];
    const writelines = transport.writelines.bind(transport);
    transport.writelines = (list: Iterable<Uint8Array>) => {
      const all = [...list];
      lines.push(all.length);
      writelines(all);
    };
    const duplex = asDuplex(transport);
    duplex.cork();
    duplex.write('a');
    duplex.write('b');
    duplex.write('c');
    duplex.uncork();
    expect(lines).toEqual([3]);
    expect(transport.data().toString()).toBe('abc');
    duplex.destroy();
  });

  it('end() writes EOF; the peer EOF then closes the transport and the stream', async () => {
    const transport = fake();
    const duplex = asDuplex(transport, { allowHalfOpen: true });
    duplex.resume();
    duplex.end('bye');
    await once(duplex, 'finish');
    expect(transport.calls).toEqual(['writeEof']);
    expect(transport.data().toString()).toBe('bye');
    expect(transport.proto.eofReceived!()).toBe(true);
    await once(duplex, 'close');
    expect(transport.calls).toEqual(['writeEof', 'close']);
    expect(transport.lost).toBe(true);
  });

  it('with allowHalfOpen false (the default) the peer EOF ends the writable side too', async () => {
    const transport = fake();
    const duplex = asDuplex(transport);
    const events: string[] = [];
    duplex.on('end', () => events.push('end'));
    duplex.on('finish', () => events.push('finish'));
    duplex.resume();
    duplex.write('pending');
    transport.proto.eofReceived!();
    await once(duplex, 'close');
    expect(events.sort()).toEqual(['end', 'finish']);
    expect(transport.data().toString()).toBe('pending');
    expect(transport.calls).toEqual(['writeEof', 'close']);
  });

  it('with allowHalfOpen true the writable side stays open after the peer EOF', async () => {
    const transport = fake();
    const duplex = asDuplex(transport, { allowHalfOpen: true });
    duplex.resume();
    transport.proto.eofReceived!();
    await once(duplex, 'end');
    expect(duplex.writable).toBe(true);
    duplex.write('still here');
    await turn();
    expect(transport.data().toString()).toBe('still here');
    expect(transport.calls).toEqual([]);
    duplex.end();
    await once(duplex, 'close');
    expect(transport.calls).toEqual(['writeEof', 'close']);
  });

  it('a transport that cannot write EOF is closed by end()', async () => {
    const transport = fake();
    transport.canEof = false;
    const duplex = asDuplex(transport);
    duplex.resume();
    duplex.end('last');
    await once(duplex, 'close');
    expect(transport.calls).toEqual(['close']);
    expect(transport.data().toString()).toBe('last');
  });

  it('destroy() aborts the transport and emits close after connectionLost', async () => {
    const transport = fake();
    const duplex = asDuplex(transport);
    let lostFirst = false;
    duplex.on('close', () => {
      lostFirst = transport.lost;
    });
    duplex.destroy();
    await once(duplex, 'close');
    expect(transport.calls).toEqual(['abort']);
    expect(lostFirst).toBe(true);
  });

  it('a connection error is an error event, then close', async () => {
    const transport = fake();
    const duplex = asDuplex(transport);
    const error = new ConnectionResetError('reset');
    const seen = new Promise((resolve) => duplex.once('error', resolve));
    const done = closed(duplex);
    transport.lose(error);
    expect(await seen).toBe(error);
    await done;
    expect(transport.calls).toEqual([]);
  });

  it('a write after the connection is gone fails with ConnectionResetError', async () => {
    const transport = fake();
    const duplex = asDuplex(transport, { allowHalfOpen: true });
    const errors: unknown[] = [];
    duplex.on('error', (e) => errors.push(e));
    const done = closed(duplex);
    duplex.resume();
    transport.closing = true;
    const error = await new Promise<Error | null | undefined>((resolve) => duplex.write('x', resolve));
    expect(error).toBeInstanceOf(ConnectionResetError);
    transport.lose(null);
    await done;
    expect(errors).toEqual([error]);
  });

  it('a clean connectionLost ends the readable side after the data it holds', async () => {
    const transport = fake();
    const duplex = asDuplex(transport);
    const done = closed(duplex);
    transport.proto.dataReceived!(b('tail'));
    transport.lose(null);
    const chunks: string[] = [];
    for await (const chunk of duplex) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('tail');
    await done;
  });

  it('exposes the addresses of the transport as net.Socket does', () => {
    const transport = fake();
    transport.extra.peername = ['127.0.0.1', 5000];
    transport.extra.sockname = ['127.0.0.1', 6000];
    const duplex = asDuplex(transport);
    expect([duplex.remoteAddress, duplex.remotePort, duplex.remoteFamily]).toEqual(['127.0.0.1', 5000, 'IPv4']);
    expect([duplex.localAddress, duplex.localPort]).toEqual(['127.0.0.1', 6000]);
    expect(duplex.setNoDelay(true)).toBe(duplex); // no socket: a no-op
    duplex.destroy();
  });

  it('refuses what is not a transport or a pair, and bad options', () => {
    expect(() => asDuplex({} as never)).toThrow(TypeError);
    expect(() => asDuplex([1, 2] as never)).toThrow(TypeError);
    expect(() => asDuplex(fake(), { allowHalfOpen: 'yes' as never })).toThrow(TypeError);
    expect(() => asDuplex(fake(), { readableHighWaterMark: -1 })).toThrow(RangeError);
    const closing = fake();
    closing.close();
    expect(() => asDuplex(closing)).toThrow(/closing/);
  });
});

describe('asDuplex([reader, writer]) over a fake transport', () => {
  afterEach(closeLoops);

  function connected(): { reader: StreamReader; protocol: StreamReaderProtocol; writer: StreamWriter; transport: FakeTransport } {
    const loop = newLoop();
    const reader = new StreamReader({ loop, limit: 2 });
    const protocol = new StreamReaderProtocol(reader, null, loop);
    const transport = fake();
    transport.setProtocol(protocol);
    protocol.connectionMade(transport);
    const writer = new StreamWriter(transport, protocol, reader, loop);
    return { reader, protocol, writer, transport };
  }

  it('takes the transport over: the bytes the reader holds come first', async () => {
    const { reader, writer, transport, protocol } = connected();
    transport.proto.dataReceived!(b('held by the reader'));
    expect(transport.calls).toEqual(['pauseReading']); // over 2 * limit
    const duplex = asDuplex([reader, writer]);
    const done = closed(duplex);
    expect(transport.protocol).not.toBe(protocol);
    const chunks: string[] = [];
    duplex.on('data', (chunk) => chunks.push(String(chunk)));
    await turn();
    // Reading on the Duplex resumed the transport its reader had paused.
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading']);
    transport.proto.dataReceived!(b(', then fresh'));
    transport.proto.eofReceived!();
    await done;
    expect(chunks.join('')).toBe('held by the reader, then fresh');
    expect(transport.calls).toEqual(['pauseReading', 'resumeReading', 'writeEof', 'close']);
  });

  it("keeps the pair's protocol informed: drain and waitClosed still work", async () => {
    const { reader, writer, transport, protocol } = connected();
    const loop = reader.getLoop()!;
    const duplex = asDuplex([reader, writer]);
    transport.proto.pauseWriting!();
    expect(protocol._paused).toBe(true);
    transport.proto.resumeWriting!();
    expect(protocol._paused).toBe(false);
    duplex.destroy();
    await once(duplex, 'close');
    await runBriefly(loop);
    await loop.runUntilComplete(writer.waitClosed());
    expect(transport.calls).toEqual(['abort']);
  });

  it('falls back to reading through the reader when it is not fed by the transport', async () => {
    const loop = newLoop();
    const reader = new StreamReader({ loop });
    const protocol = new StreamReaderProtocol(null, null, loop);
    const transport = fake();
    transport.setProtocol(protocol);
    protocol.connectionMade(transport);
    const writer = new StreamWriter(transport, protocol, null, loop);
    const duplex = asDuplex([reader, writer]);
    const done = closed(duplex);
    expect(duplex.constructor.name).toBe('StreamPairDuplex');
    reader.feedData(b('fed by hand'));
    reader.feedEof();
    duplex.write('out');
    const run = loop.runForever();
    const chunks: string[] = [];
    for await (const chunk of duplex) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('fed by hand');
    expect(transport.data().toString()).toBe('out');
    await done;
    // The reader's EOF ended the writable side; both done: closed, gracefully.
    expect(transport.calls).toEqual(['writeEof', 'close']);
    loop.stop();
    await run;
  });
});
