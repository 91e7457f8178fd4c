// dropBuffer(id): a pending receive stops pointing at the buffer it was
// given, so whatever it brings is never copied there (the transports use it
// when they close with a read in flight into a BufferedProtocol's buffer,
// which the protocol may reuse at once).
import { availableBackends } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, expectArgError } from './helpers';

describe.each(availableBackends())('dropBuffer on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
    t.core.allowImmediate(true);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it('a pending recv completes with its count but leaves the dropped buffer untouched', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.alloc(64, 0xaa);
    const op = t.start((core) => core.recv(b, buf));
    expect(op.id).toBeGreaterThanOrEqual(0);
    expect(t.core.dropBuffer(op.id)).toBe(true);
    // Twice: the second finds no buffer to drop.
    expect(t.core.dropBuffer(op.id)).toBe(false);
    await t.sendAll(a, Buffer.from('dropped bytes'));
    const c = await op.done;
    expect(c.result).toBe('dropped bytes'.length);
    expect(buf.every((x) => x === 0xaa)).toBe(true);
    // The receive took those bytes: the next one gets what follows them.
    await t.sendAll(a, Buffer.from('next'));
    const next = await t.recv(b, 64);
    expect(next.data.toString()).toBe('next');
  });

  it('a pending read (read at the current position) drops its buffer the same way', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.alloc(32, 0x55);
    const op = t.start((core) => core.read(b, buf, -1));
    expect(t.core.dropBuffer(op.id)).toBe(true);
    await t.sendAll(a, Buffer.from('xyz'));
    expect((await op.done).result).toBe(3);
    expect(buf.every((x) => x === 0x55)).toBe(true);
  });

  it('is false for what has no buffer to drop: an unknown id, a send, a receive given a size', async () => {
    const [a, b] = t.pair();
    expect(t.core.dropBuffer(0x7fffff)).toBe(false);
    const sized = t.start((core) => core.recv(b, 16));
    expect(t.core.dropBuffer(sized.id)).toBe(false);
    await t.sendAll(a, Buffer.from('sized'));
    const c = await sized.done;
    expect(c.result).toBe(5);
    expect(c.received?.toString()).toBe('sized');
    // A send finished during its call has no id left; one that waits is
    // found but has no buffer of the caller's (it owns a copy).
    t.core.allowImmediate(false);
    const send = t.start((core) => core.send(a, Buffer.from('s')));
    expect(t.core.dropBuffer(send.id)).toBe(false);
    expect((await send.done).result).toBe(1);
    expect((await t.recv(b, 8)).data.toString()).toBe('s');
  });

  it('a finished op is not found', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.alloc(8);
    const op = t.start((core) => core.recv(b, buf));
    await t.sendAll(a, Buffer.from('ok'));
    expect((await op.done).result).toBe(2);
    expect(buf.subarray(0, 2).toString()).toBe('ok');
    expect(t.core.dropBuffer(op.id)).toBe(false);
  });

  it('throws TypeError for an id that is not a number', () => {
    expectArgError(() => t.core.dropBuffer('1' as unknown as number), 'TypeError', 'id');
  });

  it('leaves a recvFrom into a buffer untouched too', async () => {
    const u1 = t.udp();
    const u2 = t.udp();
    const buf = Buffer.alloc(16, 0x11);
    const op = t.start((core) => core.recvFrom(u2.handle, buf));
    expect(t.core.dropBuffer(op.id)).toBe(true);
    const sent = await t.run((core) => core.sendTo(u1.handle, Buffer.from('dgram'), 0, u2.address));
    expect(sent.result).toBe(5);
    expect((await op.done).result).toBe(5);
    expect(buf.every((x) => x === 0x11)).toBe(true);
  });
});
