// waitHandle on the IOCP backend: RegisterWaitForSingleObject posting to the
// port, and its cancellation (UnregisterWaitEx), including the race between
// the wait callback and a cancel.
import { native } from '@iocp/native';

import { ERROR_OPERATION_ABORTED, Harness, describeWindows } from './win-harness';

describeWindows('iocp waitHandle', () => {
  let h: Harness;

  beforeEach(() => {
    h = new Harness();
  });

  afterEach(async () => {
    await h.close();
  });

  function event(manualReset: boolean, initialState = false): number {
    const e = native.eventCreate(manualReset, initialState);
    expect(e).toBeGreaterThan(0);
    h.handles.push(e);
    return e;
  }

  it('resolves to 1 when the handle is signalled', async () => {
    const e = event(true);
    const done = h.done(h.core.waitHandle(e));
    expect(native.eventSet(e)).toBe(0);
    expect((await done).result).toBe(1);
  });

  it('resolves to 1 at once for a handle that is signalled already, leaving a manual-reset event set', async () => {
    const e = event(true, true);
    expect((await h.done(h.core.waitHandle(e, 10000))).result).toBe(1);
    expect(native.eventIsSet(e)).toBe(1);
  });

  it('consumes the signal of an auto-reset event, as any Windows wait does', async () => {
    const e = event(false, true);
    expect((await h.done(h.core.waitHandle(e))).result).toBe(1);
    expect(native.eventIsSet(e)).toBe(0);
  });

  it('resolves to 0 when the timeout passes first', async () => {
    const e = event(true);
    const started = Date.now();
    expect((await h.done(h.core.waitHandle(e, 50))).result).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('a zero timeout polls: 0 for an unset handle', async () => {
    const e = event(true);
    expect((await h.done(h.core.waitHandle(e, 0))).result).toBe(0);
  });

  it('cancel of a pending wait completes it once with ERROR_OPERATION_ABORTED and unregisters it', async () => {
    const e = event(true);
    const id = h.core.waitHandle(e);
    const done = h.done(id);
    expect(h.core.cancel(id)).toBe(true);
    expect((await done).result).toBe(ERROR_OPERATION_ABORTED);
    // The unregistered wait never fires: a later signal reaches only a new wait.
    const again = h.done(h.core.waitHandle(e));
    native.eventSet(e);
    expect((await again).result).toBe(1);
  });

  it('a cancel racing the signal completes each wait exactly once, with 1 or ERROR_OPERATION_ABORTED', async () => {
    const e = event(false);
    const rounds = 300;
    const outcomes = new Map<number, number>();
    for (let i = 0; i < rounds; i++) {
      const id = h.core.waitHandle(e);
      const done = h.done(id);
      native.eventSet(e);
      h.core.cancel(id);
      const r = (await done).result;
      expect([1, ERROR_OPERATION_ABORTED]).toContain(r);
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
      // A wait that lost the race leaves the auto-reset event set.
      native.eventReset(e);
    }
    expect((outcomes.get(1) ?? 0) + (outcomes.get(ERROR_OPERATION_ABORTED) ?? 0)).toBe(rounds);
  });

  it('a wait on a handle that is not open fails at once, with no completion', () => {
    const e = native.eventCreate(true, false);
    native.closeHandle(e);
    // The handle is polled before it is registered (Wine's thread pool
    // would accept it and report a timeout).
    const id = h.core.waitHandle(e, 100);
    expect(native.errorName(id)).toBe('EBADF');
    expect(h.core.pending).toBe(0);
  });

  it('many waits on one handle all resolve when it is signalled', async () => {
    const e = event(true);
    const waits = Array.from({ length: 50 }, () => h.done(h.core.waitHandle(e)));
    native.eventSet(e);
    for (const r of await Promise.all(waits)) expect(r.result).toBe(1);
  });

  it('close() unregisters pending waits, which complete before the core is released', async () => {
    const e = event(true);
    const waits = Array.from({ length: 10 }, () => h.done(h.core.waitHandle(e)));
    await h.close();
    for (const r of await Promise.all(waits)) expect(r.result).toBe(ERROR_OPERATION_ABORTED);
  });
});
