// waitHandle on every backend: an event (Windows event object, Linux
// eventfd) signalled, timed out, cancelled. Ports ProactorTests
// test_wait_for_handle and test_wait_for_handle_cancel of CPython's
// Lib/test/test_asyncio/test_windows_events.py, asserting results rather
// than wall-clock times.
import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, codeOf } from './helpers';

describe.each(availableBackends())('waitHandle on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  // test_wait_for_handle, first half.
  it('resolves to 0 when the timeout passes before the event is set', async () => {
    const e = t.event();
    expect((await t.run((c) => c.waitHandle(e, 50))).result).toBe(0);
    expect(native.eventIsSet(e)).toBe(0);
  });

  // test_wait_for_handle, second half, and asyncio issue #195.
  it('resolves to 1 for an event that is set, and cancelling the finished wait is harmless', async () => {
    const e = t.event();
    expect(native.eventSet(e)).toBe(0);
    const op = t.start((c) => c.waitHandle(e, 10000));
    expect((await op.done).result).toBe(1);
    expect(t.core.cancel(op.id)).toBe(false);
  });

  it('resolves to 1 when the event is set while the wait is pending', async () => {
    const e = t.event();
    const waiting = t.run((c) => c.waitHandle(e));
    await t.run((c) => c.nop());
    expect(native.eventSet(e)).toBe(0);
    expect((await waiting).result).toBe(1);
  });

  it('does not consume the signal of a manual-reset event', async () => {
    const e = t.event(true, true);
    expect((await t.run((c) => c.waitHandle(e))).result).toBe(1);
    expect(native.eventIsSet(e)).toBe(1);
    expect((await t.run((c) => c.waitHandle(e, 1000))).result).toBe(1);
    // Linux: 1, this reset took the signal; Windows: 0.
    expect(native.eventReset(e)).toBe(process.platform === 'win32' ? 0 : 1);
    expect(native.eventIsSet(e)).toBe(0);
  });

  it('a zero timeout polls: 0 for an unset event, 1 for a set one', async () => {
    const e = t.event();
    expect((await t.run((c) => c.waitHandle(e, 0))).result).toBe(0);
    native.eventSet(e);
    expect((await t.run((c) => c.waitHandle(e, 0))).result).toBe(1);
  });

  // test_wait_for_handle_cancel, first half.
  it('a cancelled wait completes with a cancellation error', async () => {
    const e = t.event();
    const op = t.start((c) => c.waitHandle(e, 10000));
    expect(t.core.cancel(op.id)).toBe(true);
    expect(codeOf((await op.done).result)).toBe('ECANCELED');
  });

  // test_wait_for_handle_cancel, second half.
  it('cancelling a wait twice is harmless and it still completes once', async () => {
    const e = t.event();
    const op = t.start((c) => c.waitHandle(e));
    expect(t.core.cancel(op.id)).toBe(true);
    expect(t.core.cancel(op.id)).toBe(true);
    expect(codeOf((await op.done).result)).toBe('ECANCELED');
    expect(t.core.cancel(op.id)).toBe(false);
    expect(t.seen.get(op.id)).toBe(1);
  });

  it('a cancelled wait stays unregistered: a later signal reaches only a new wait', async () => {
    const e = t.event();
    const op = t.start((c) => c.waitHandle(e));
    t.core.cancel(op.id);
    expect(codeOf((await op.done).result)).toBe('ECANCELED');
    const again = t.run((c) => c.waitHandle(e));
    native.eventSet(e);
    expect((await again).result).toBe(1);
  });

  it('many waits on one event all resolve when it is set', async () => {
    const e = t.event();
    const waits = Array.from({ length: 20 }, (_, i) =>
      t.run((c) => c.waitHandle(e, i % 2 ? 60000 : -1)),
    );
    await t.run((c) => c.nop());
    native.eventSet(e);
    expect((await Promise.all(waits)).map((r) => r.result)).toEqual(new Array(20).fill(1));
  });

  it('1,500 waits on one event, before and after the first loop turn, all resolve when it is set', async () => {
    // A fresh core: the first 1,200 waits exist before its watcher is polled.
    const local = new Harness(backend);
    const e = t.event();
    const waits = Array.from({ length: 1200 }, (_, i) =>
      local.run((c) => c.waitHandle(e, i % 2 ? 60000 : -1)),
    );
    await local.run((c) => c.nop());
    for (let i = 0; i < 300; i++) waits.push(local.run((c) => c.waitHandle(e)));
    await local.run((c) => c.nop());
    native.eventSet(e);
    const results = await Promise.all(waits);
    expect(results.filter((r) => r.result !== 1)).toEqual([]);
    await local.dispose();
  });

  it('waits with different timeouts each resolve to 0, shortest first', async () => {
    const e = t.event();
    const order: number[] = [];
    const waits = [60, 10, 35].map((ms) =>
      t
        .run((c) => c.waitHandle(e, ms))
        .then((r) => {
          order.push(ms);
          return r.result;
        }),
    );
    expect(await Promise.all(waits)).toEqual([0, 0, 0]);
    expect(order).toEqual([10, 35, 60]);
  });

  it('a signalled wait with a long timeout completes once, and the timeout never fires later', async () => {
    const e = t.event();
    const op = t.start((c) => c.waitHandle(e, 30));
    native.eventSet(e);
    expect((await op.done).result).toBe(1);
    // Outlive the first wait's timeout with a second one.
    native.eventReset(e);
    expect((await t.run((c) => c.waitHandle(e, 60))).result).toBe(0);
    expect(t.seen.get(op.id)).toBe(1);
  });

  it('an auto-reset event that is set satisfies a wait', async () => {
    const e = t.event(false, true);
    expect((await t.run((c) => c.waitHandle(e))).result).toBe(1);
  });
});
