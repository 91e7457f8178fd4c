// Port of test_windows_events.py's policy cases (WinPolicyTests) and of
// test_events.py's policy tests (get/set policy, get/new/set event loop),
// and of test_runners.py for run().
import {
  BaseEventLoop,
  CancelledError,
  RuntimeError,
  allTasks,
  getRunningLoop,
  sleep,
} from '@iocp/futures';
import {
  DefaultEventLoopPolicy,
  ProactorEventLoop,
  SelectorEventLoop,
  WindowsProactorEventLoopPolicy,
  WindowsSelectorEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  newEventLoop,
  run,
  setEventLoop,
  setEventLoopPolicy,
} from 'iocp';

import { closeLoops, track } from './helpers';

afterEach(async () => {
  // The policy's current loop (getEventLoop() made one) is closed too.
  const policy = getEventLoopPolicy();
  try {
    const current = policy.getEventLoop();
    track(current);
  } catch {
    // None set.
  }
  setEventLoopPolicy(null);
  await closeLoops();
});

const policies = [
  ['WindowsSelectorEventLoopPolicy', WindowsSelectorEventLoopPolicy, SelectorEventLoop],
  ['WindowsProactorEventLoopPolicy', WindowsProactorEventLoopPolicy, ProactorEventLoop],
] as const;

describe.each(policies)('under %s', (_name, Policy, LoopClass) => {
  // Port of WinPolicyTests.test_selector_win_policy / test_proactor_win_policy.
  test('run() runs main on a loop of the policy\'s class', async () => {
    setEventLoopPolicy(new Policy());
    const loop = await run(async () => {
      await sleep(1);
      return getRunningLoop();
    });
    expect(loop).toBeInstanceOf(LoopClass);
    expect(loop.isClosed()).toBe(true);
  });

  test('a loop can be created, run and closed repeatedly', async () => {
    setEventLoopPolicy(new Policy());
    const seen: BaseEventLoop[] = [];
    for (let i = 0; i < 3; i++) {
      const loop = track(newEventLoop());
      expect(loop).toBeInstanceOf(LoopClass);
      expect(await loop.runUntilComplete(async () => (await sleep(1), i))).toBe(i);
      await loop.close();
      expect(loop.isClosed()).toBe(true);
      seen.push(loop);
      expect(await run(async () => i * 2)).toBe(i * 2);
    }
    expect(new Set(seen).size).toBe(3);
  });

  test('newEventLoop() makes a new loop each time, not the current one', () => {
    const policy = new Policy();
    const a = track(policy.newEventLoop());
    const b = track(policy.newEventLoop());
    expect(a).toBeInstanceOf(LoopClass);
    expect(a).not.toBe(b);
  });
});

describe('policies (test_events.py PolicyTests)', () => {
  test('the default policy is the proactor one (DefaultEventLoopPolicy = WindowsProactorEventLoopPolicy)', () => {
    expect(DefaultEventLoopPolicy).toBe(WindowsProactorEventLoopPolicy);
    expect(getEventLoopPolicy()).toBeInstanceOf(WindowsProactorEventLoopPolicy);
    expect(getEventLoopPolicy()).toBe(getEventLoopPolicy());
  });

  test('setEventLoopPolicy sets the policy; null brings a new default one; anything else is a TypeError', () => {
    const old = getEventLoopPolicy();
    const policy = new WindowsSelectorEventLoopPolicy();
    setEventLoopPolicy(policy);
    expect(getEventLoopPolicy()).toBe(policy);
    setEventLoopPolicy(null);
    expect(getEventLoopPolicy()).toBeInstanceOf(DefaultEventLoopPolicy);
    expect(getEventLoopPolicy()).not.toBe(old);
    expect(() => setEventLoopPolicy({} as never)).toThrow(TypeError);
    expect(() => setEventLoopPolicy(42 as never)).toThrow(TypeError);
  });

  test('getEventLoop in the main thread makes the current loop once; setEventLoop replaces it', () => {
    const policy = new WindowsProactorEventLoopPolicy();
    const loop = track(policy.getEventLoop());
    expect(loop).toBeInstanceOf(ProactorEventLoop);
    expect(policy.getEventLoop()).toBe(loop);
    const other = track(policy.newEventLoop());
    policy.setEventLoop(other);
    expect(policy.getEventLoop()).toBe(other);
    expect(() => policy.setEventLoop({} as never)).toThrow(TypeError);
  });

  test('after setEventLoop(null), getEventLoop throws RuntimeError (no current loop)', () => {
    const policy = new WindowsProactorEventLoopPolicy();
    policy.setEventLoop(null);
    expect(() => policy.getEventLoop()).toThrow(RuntimeError);
    expect(() => policy.getEventLoop()).toThrow(/There is no current event loop/);
  });

  test('the module functions use the current policy; getEventLoop() is the running loop when one runs', async () => {
    setEventLoopPolicy(new WindowsSelectorEventLoopPolicy());
    const loop = track(newEventLoop());
    expect(loop).toBeInstanceOf(SelectorEventLoop);
    setEventLoop(loop);
    expect(getEventLoop()).toBe(loop);
    const other = track(new ProactorEventLoop());
    expect(await other.runUntilComplete(async () => getEventLoop())).toBe(other);
    setEventLoop(null);
    expect(() => getEventLoop()).toThrow(RuntimeError);
  });
});

describe('run() (test_runners.py)', () => {
  test('resolves to what main resolves to, and rejects with what it throws', async () => {
    expect(await run(async () => 42)).toBe(42);
    await expect(run(async () => { throw new RangeError('boom'); })).rejects.toThrow('boom');
  });

  test('the debug option sets the loop\'s debug mode', async () => {
    expect(await run(async () => getRunningLoop().getDebug(), { debug: true })).toBe(true);
    expect(await run(async () => getRunningLoop().getDebug(), { debug: false })).toBe(false);
  });

  test('tasks left pending are cancelled (their finally blocks run) before the loop closes', async () => {
    const events: string[] = [];
    let loop: BaseEventLoop | null = null;
    await run(async () => {
      loop = getRunningLoop();
      loop.createTask(async () => {
        try {
          await sleep(60_000);
        } catch (err) {
          events.push(err instanceof CancelledError ? 'cancelled' : 'other');
          throw err;
        }
      });
      await sleep(0);
      return null;
    });
    expect(events).toEqual(['cancelled']);
    expect(allTasks(loop)).toEqual(new Set());
    expect((loop as unknown as BaseEventLoop).isClosed()).toBe(true);
  });

  test('the loop is current while main runs and not after', async () => {
    const current = await run(async () => getEventLoopPolicy().getEventLoop());
    expect(current.isClosed()).toBe(true);
    expect(() => getEventLoopPolicy().getEventLoop()).toThrow(RuntimeError);
  });

  test('run() inside a running loop throws RuntimeError; run(promise) teaches to pass a function', async () => {
    await run(async () => {
      await expect(run(async () => 1)).rejects.toThrow(/cannot be called from a running event loop/);
    });
    const started = Promise.resolve(1);
    await expect(run(started as never)).rejects.toThrow(/pass `\(\) => main\(\)` instead of `main\(\)`/);
  });
});
