// The transports and the loop's socket reads over IOCP zero-byte reads
// (@iocp/native's IocpBackend::kZeroReadThreshold: with many operations in
// flight, a stream socket's receive waits without memory until the socket
// has bytes). setZeroReads('always') makes every such receive one, so these few
// operations take that path: a Protocol's chunks, a BufferedProtocol's
// buffer, EOF, and a close with the read in flight. Windows and Wine.
import { sleep } from '@iocp/futures';
import type { NativeCore } from '@iocp/native';
import { Socket } from '@iocp/proactor';
import type { Protocol, Transport } from '@iocp/proactor';

import {
  closeLoop,
  CountingLoop,
  pattern,
  readAll,
  readExactly,
  RecordingProtocol,
  tcpPair,
  until,
} from './transport-helpers';

const describeWindows = process.platform === 'win32' ? describe : describe.skip;

describeWindows("transports over zero-byte reads (setZeroReads('always'))", () => {
  let loop: CountingLoop;
  const sockets: Socket[] = [];

  const core = (): NativeCore => (loop._proactor as unknown as { _core: NativeCore })._core;
  const zeroReads = (): number => core().zeroReads;

  beforeEach(() => {
    loop = new CountingLoop();
    core().setZeroReads('always');
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  async function tcp(): Promise<[Socket, Socket]> {
    const [a, b] = await tcpPair(loop);
    sockets.push(a, b);
    return [a, b];
  }

  test('a Protocol echoes a large stream whole, then sees EOF', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = await tcp();
      const proto = new RecordingProtocol(loop);
      proto.dataReceived = function (data: Buffer) {
        this.chunks.push(data);
        this.transport!.write(data);
      };
      proto.keepOpen = true;
      const tr = loop._makeSocketTransport(a, proto);
      await proto.made;
      const data = pattern(1024 * 1024, 3);
      const back = readExactly(loop, peer, data.length);
      await loop.sockSendall(peer, data);
      expect((await back).equals(data)).toBe(true);
      expect(zeroReads()).toBeGreaterThan(0);
      peer.shutdown('write');
      tr.writeEof();
      expect((await readAll(loop, peer)).length).toBe(0);
      await until(loop, () => proto.eofCount === 1, 'EOF from the peer');
      tr.close();
      expect(await proto.lost).toBeNull();
    });
  });

  test('a BufferedProtocol gets every byte in its buffer', async () => {
    await loop.runUntilComplete(async () => {
      const [a, peer] = await tcp();
      const buf = Buffer.alloc(32 * 1024);
      const parts: Buffer[] = [];
      const made = loop.createFuture<Transport>();
      const lost = loop.createFuture<void>();
      const proto: Protocol & { getBuffer(n: number): Uint8Array; bufferUpdated(n: number): void } = {
        connectionMade: (t: Transport) => made.setResult(t),
        getBuffer: () => buf,
        bufferUpdated: (n: number) => parts.push(Buffer.from(buf.subarray(0, n))),
        eofReceived: () => false,
        connectionLost: () => lost.setResult(undefined),
      };
      loop._makeSocketTransport(a, proto);
      await made;
      const data = pattern(512 * 1024, 9);
      await loop.sockSendall(peer, data);
      peer.shutdown('write');
      await lost;
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    });
  });

  test('close() with the read waiting for bytes ends the transport at once', async () => {
    await loop.runUntilComplete(async () => {
      const [a] = await tcp();
      const proto = new RecordingProtocol(loop);
      const tr = loop._makeSocketTransport(a, proto);
      await proto.made;
      // The transport's read waits as a zero-byte read.
      await sleep(20);
      expect(zeroReads()).toBeGreaterThanOrEqual(1);
      tr.close();
      expect(await proto.lost).toBeNull();
      expect(loop._proactor.pendingOperations).toBe(0);
    });
  });
});
