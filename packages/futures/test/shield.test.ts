// Port of test_tasks.py test_shield_*.
import { CancelledError, shield, sleep } from '@iocp/futures';
import { closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

describe('shield', () => {
  test('follows the result of the inner future (test_shield_result)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    inner.setResult(42);
    await runBriefly(loop);
    expect(outer.result()).toBe(42);
  });

  test('follows the exception of the inner future (test_shield_exception)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture();
    const outer = shield(inner);
    const error = new Error('inner');
    inner.setException(error);
    await runBriefly(loop);
    expect(outer.exception()).toBe(error);
  });

  test('is cancelled when the inner future is (test_shield_cancel_inner)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture();
    const outer = shield(inner);
    inner.cancel();
    await runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
  });

  test('cancelling the shield leaves the inner future alone (test_shield_cancel_outer)', async () => {
    const loop = newLoop();
    const inner = loop.createFuture<number>();
    const outer = shield(inner);
    outer.cancel();
    await runBriefly(loop);
    expect(outer.cancelled()).toBe(true);
    expect(inner.cancelled()).toBe(false);
    expect(inner.removeDoneCallback(() => {})).toBe(0);
    inner.setResult(1);
  });

  test('a done future is returned as is (test_shield_shortcut)', () => {
    const loop = newLoop();
    const done = loop.createFuture<number>();
    done.setResult(1);
    expect(shield(done)).toBe(done);
  });

  test('a cancelled task awaiting a shield stops while the inner work goes on (test_shield_effect)', async () => {
    const loop = newLoop();
    const gate = loop.createFuture<void>();
    const inner = loop.createTask(async () => {
      await gate;
      return 'inner finished';
    });
    const outer = loop.createTask(async () => await shield(inner));
    loop.callSoon(() => loop.callSoon(() => outer.cancel()));
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(CancelledError);
    expect(inner.done()).toBe(false);
    expect(gate.cancelled()).toBe(false);
    loop.callSoon(() => gate.setResult());
    expect(await loop.runUntilComplete(inner)).toBe('inner finished');
  });

  test('works with no loop', async () => {
    const inner = sleep(1, 'v');
    const outer = shield(inner);
    expect(outer.getLoop()).toBeNull();
    expect(await outer).toBe('v');
  });

  test('a wrong argument is a TypeError', () => {
    expect(() => shield(1 as never)).toThrow(TypeError);
  });
});
