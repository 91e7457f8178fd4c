// Ports of test_proactor_events.py's pipe cases (test_write_eof_write_pipe,
// test_write_eof_buffer_write_pipe, test_write_eof_duplex_pipe) and the read
// pipe transport, on real pipes from pipe().
import { RuntimeError } from '@iocp/futures';
import { ProactorDuplexPipeTransport, ProactorReadPipeTransport, ProactorWritePipeTransport, pipe } from '@iocp/proactor';
import type { PipeHandle, ReadTransport, Transport, WriteTransport } from '@iocp/proactor';

import { closeLoop, CountingLoop, pattern, RecordingProtocol, until } from './transport-helpers';

describe('proactor pipe transports', () => {
  let loop: CountingLoop;
  const handles: PipeHandle[] = [];

  beforeEach(() => {
    loop = new CountingLoop();
  });

  afterEach(async () => {
    for (const h of handles.splice(0)) h.close();
    await closeLoop(loop);
  });

  function makePipe(duplex = false): [PipeHandle, PipeHandle] {
    const [r, w] = pipe({ duplex });
    handles.push(r, w);
    return [r, w];
  }

  async function readBytes(conn: PipeHandle, n: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const chunk = await loop._proactor.recv(conn, 65536);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      got += chunk.length;
    }
    return Buffer.concat(chunks);
  }

  test('a read pipe transport delivers what the other end writes, then EOF closes it', async () => {
    await loop.runUntilComplete(async () => {
      const [r, w] = makePipe();
      const proto = new RecordingProtocol(loop);
      const tr: ReadTransport = loop._makeReadPipeTransport(r, proto);
      expect(tr).toBeInstanceOf(ProactorReadPipeTransport);
      expect(tr.getExtraInfo('pipe')).toBe(r);
      expect('write' in tr).toBe(false);
      await proto.made;
      const data = pattern(200000);
      await loop._proactor.send(w, data);
      await proto.waitForBytes(loop, data.length);
      expect(proto.received().equals(data)).toBe(true);
      w.close();
      expect(await proto.lost).toBeNull();
      expect(proto.eofCount).toBe(1);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('a write pipe transport: the data arrives; writeEof closes it after the buffered data (test_write_eof_buffer_write_pipe)', async () => {
    await loop.runUntilComplete(async () => {
      const [r, w] = makePipe();
      const proto = new RecordingProtocol(loop);
      const tr: WriteTransport = loop._makeWritePipeTransport(w, proto);
      expect(tr).toBeInstanceOf(ProactorWritePipeTransport);
      expect(tr.canWriteEof()).toBe(true);
      await proto.made;
      const data = pattern(300000);
      tr.write(data);
      tr.write(Buffer.from('end'));
      tr.writeEof();
      expect(tr.isClosing()).toBe(true);
      const got = await readBytes(r, data.length + 3);
      expect(got.equals(Buffer.concat([data, Buffer.from('end')]))).toBe(true);
      expect(await proto.lost).toBeNull();
      expect(w.closed).toBe(true);
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });

  test('a write pipe transport hears of the other end closing: connectionLost follows', async () => {
    await loop.runUntilComplete(async () => {
      const [r, w] = makePipe(true);
      const proto = new RecordingProtocol(loop);
      const tr: WriteTransport = loop._makeWritePipeTransport(w, proto);
      await proto.made;
      tr.write(Buffer.from('hello'));
      expect((await readBytes(r, 5)).toString()).toBe('hello');
      r.close();
      expect(await proto.lost).toBeNull();
      expect(tr.isClosing()).toBe(true);
    });
  });

  test('a duplex pipe transport reads and writes; it cannot write EOF (test_write_eof_duplex_pipe)', async () => {
    await loop.runUntilComplete(async () => {
      const [a, b] = makePipe(true);
      const proto = new RecordingProtocol(loop);
      const tr: Transport = loop._makeDuplexPipeTransport(a, proto);
      expect(tr).toBeInstanceOf(ProactorDuplexPipeTransport);
      expect(tr.getExtraInfo('pipe')).toBe(a);
      expect(tr.canWriteEof()).toBe(false);
      expect(() => tr.writeEof()).toThrow(RuntimeError);
      await proto.made;
      tr.write(Buffer.from('ping'));
      expect((await readBytes(b, 4)).toString()).toBe('ping');
      await loop._proactor.send(b, Buffer.from('pong'));
      await proto.waitForBytes(loop, 4);
      expect(proto.received().toString()).toBe('pong');
      tr.close();
      expect(await proto.lost).toBeNull();
      await until(loop, () => a.closed, 'the pipe to close');
    });
    expect([loop.opened, loop.closed]).toEqual([1, 1]);
  });
});
