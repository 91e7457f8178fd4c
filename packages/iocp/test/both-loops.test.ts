// One protocol echo, parametrized over both loops: the proactor loop and
// the selector loop show the same behaviour (the order of protocol calls,
// the bytes, the end of file, the loss), as the benchmarks' baseline needs.
import type { BaseEventLoop } from '@iocp/futures';
import type { BaseProtocol, ProtocolFactory, Transport } from '@iocp/proactor';
import { ProactorEventLoop, SelectorEventLoop } from 'iocp';

import { Recorder, closeLoops, track } from './helpers';

afterEach(closeLoops);

interface EchoLoop extends BaseEventLoop {
  createServer(f: ProtocolFactory, host: string, port: number): Promise<{ sockets: readonly { getsockname(): unknown }[]; close(): void; waitClosed(): Promise<void> }>;
  createConnection<P extends BaseProtocol>(f: ProtocolFactory<P>, host: string, port: number): Promise<[Transport, P]>;
}

describe.each([
  ['ProactorEventLoop', (): EchoLoop => new ProactorEventLoop()],
  ['SelectorEventLoop', (): EchoLoop => new SelectorEventLoop() as unknown as EchoLoop],
])('protocol echo on %s', (_name, make) => {
  test('100 writes of 1 KiB come back whole and in order; half-close, EOF and loss in the same order', async () => {
    const loop = track(make());
    const result = await loop.runUntilComplete(async () => {
      const serverSide: Recorder[] = [];
      const server = await loop.createServer(() => {
        const r = new Recorder(true);
        serverSide.push(r);
        return r;
      }, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      const sent: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        const chunk = Buffer.alloc(1024, i);
        sent.push(chunk);
        transport.write(chunk);
      }
      await client.received(100 * 1024);
      transport.writeEof();
      const lost = await client.lost;
      await serverSide[0].lost;
      server.close();
      await server.waitClosed();
      return {
        same: client.data.equals(Buffer.concat(sent)),
        client: client.events,
        server: serverSide[0].events,
        lost,
        closing: transport.isClosing(),
      };
    });
    expect(result).toEqual({
      same: true,
      client: ['made', 'eof', 'lost'],
      server: ['made', 'eof', 'lost'],
      lost: null,
      closing: true,
    });
  });
});
