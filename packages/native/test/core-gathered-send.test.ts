// A send (or write) given a list of views sends them in order as one
// operation: the transports queue what is written while a send is pending
// and send it all at once this way, without joining the buffers in JS.
import { availableBackends } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, expectArgError } from './helpers';

describe.each(availableBackends())('gathered sends on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it('sends every view of the list, in order, as one operation', async () => {
    const [a, b] = t.pair();
    const parts = [
      Buffer.from('alpha '),
      new Uint8Array(0),
      Buffer.from('beta ').subarray(1),
      new Uint8Array([0x21, 0x0a]),
    ];
    const sent = await t.run((c) => c.send(a, parts));
    expect(sent.result).toBe(6 + 4 + 2);
    expect((await t.recvExactly(b, 12)).toString()).toBe('alpha eta !\n');
  });

  it('copies the views when the send starts: changing them afterwards changes nothing', async () => {
    const [a, b] = t.pair();
    const one = Buffer.from('one');
    const two = Buffer.from('two');
    const sending = t.run((c) => c.send(a, [one, two]));
    one.fill(0x58);
    two.fill(0x59);
    expect((await sending).result).toBe(6);
    expect((await t.recvExactly(b, 6)).toString()).toBe('onetwo');
  });

  it('keeps a large gathered send whole and in order with the sends around it', async () => {
    const [a, b] = t.pair();
    const chunks: Buffer[] = [];
    for (let i = 0; i < 64; i++) chunks.push(Buffer.alloc(16 * 1024, i));
    const first = t.run((c) => c.send(a, Buffer.from('<')));
    const middle = t.run((c) => c.send(a, chunks));
    const last = t.run((c) => c.send(a, Buffer.from('>')));
    const got = await t.recvExactly(b, 2 + 64 * 16 * 1024);
    expect((await first).result).toBe(1);
    expect((await middle).result).toBe(64 * 16 * 1024);
    expect((await last).result).toBe(1);
    expect(got.equals(Buffer.concat([Buffer.from('<'), ...chunks, Buffer.from('>')]))).toBe(true);
  });

  it('an empty list sends nothing and completes with 0', async () => {
    const [a] = t.pair();
    expect((await t.run((c) => c.send(a, []))).result).toBe(0);
  });

  it('refuses an element that is not a Uint8Array, or a view of a detached buffer, before anything is sent', () => {
    const [a] = t.pair();
    expectArgError(
      () => t.core.send(a, [Buffer.from('x'), 'y' as unknown as Uint8Array]),
      'TypeError',
      'buffer list element',
    );
    const detached = new Uint8Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expectArgError(() => t.core.send(a, [detached]), 'TypeError', 'detached');
    expect(t.core.pending).toBe(0);
  });
});
