// Port of the run/stop/close cases of test_base_events.py and
// test_events.py (test_run_until_complete*, test_run_forever*, test_close*).
import {
  BaseEventLoop,
  CancelledError,
  Future,
  RuntimeError,
  getRunningLoop,
  getRunningLoopOrNull,
} from '@iocp/futures';
import { TestLoop, closeLoops, newLoop, runBriefly } from './helpers';

afterEach(closeLoops);

/** The Node timer and immediate a loop holds (private fields, read for the test). */
function nodeWakers(loop: BaseEventLoop): { timer: NodeJS.Timeout | null; immediate: unknown } {
  const fields = loop as unknown as { _timer: NodeJS.Timeout | null; _immediate: unknown };
  return { timer: fields._timer, immediate: fields._immediate };
}

describe('runForever and stop', () => {
  test('runForever resolves after stop() and isRunning tracks it', async () => {
    const loop = newLoop();
    const states: boolean[] = [];
    loop.callSoon(() => {
      states.push(loop.isRunning());
      loop.stop();
    });
    expect(loop.isRunning()).toBe(false);
    const run = loop.runForever();
    expect(loop.isRunning()).toBe(true);
    await run;
    expect(states).toEqual([true]);
    expect(loop.isRunning()).toBe(false);
  });

  test('stop() before runForever runs one iteration and returns (test_run_forever_pre_stopped)', async () => {
    const loop = newLoop();
    const calls: string[] = [];
    loop.callSoon(() => calls.push('ready'));
    loop.stop();
    await loop.runForever();
    expect(calls).toEqual(['ready']);
    expect(loop.isRunning()).toBe(false);
  });

  test('stop() from a task continuation (a microtask) ends the run', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    loop.createTask(async () => {
      await fut;
      loop.stop();
    });
    loop.callSoon(() => loop.callSoon(() => fut.setResult(null)));
    await loop.runForever();
    expect(loop.isRunning()).toBe(false);
  });

  test('a loop can run again after it stopped', async () => {
    const loop = newLoop();
    await runBriefly(loop);
    await runBriefly(loop);
    expect(loop.isRunning()).toBe(false);
  });

  test('callSoon from outside the loop (a Node callback) wakes an idle loop', async () => {
    const loop = newLoop();
    const run = loop.runForever();
    setTimeout(() => loop.callSoon(() => loop.stop()), 2);
    await run;
    expect(loop.isRunning()).toBe(false);
  });

  test('an idle loop waits on one Node timer and does not spin', async () => {
    let iterations = 0;
    class CountingLoop extends TestLoop {
      protected override _processEvents(): void {
        iterations += 1;
      }
    }
    const loop = new CountingLoop();
    try {
      loop.callLater(20, () => loop.stop());
      await loop.runForever();
      // The first iteration, the timer (maybe one early wake-up): never a spin.
      expect(iterations).toBeLessThanOrEqual(5);
    } finally {
      await loop.close();
    }
  });

  test('a stopped loop leaves no Node timer behind, even with timers scheduled', async () => {
    const loop = newLoop();
    const far = loop.callLater(60_000, () => {});
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(nodeWakers(loop)).toEqual({ timer: null, immediate: null });
    far.cancel();
  });

  test('a running idle loop keeps one Node timer (it keeps the process alive, like run_forever)', async () => {
    const loop = newLoop();
    const run = loop.runForever();
    await new Promise((resolve) => setImmediate(resolve));
    const { timer, immediate } = nodeWakers(loop);
    expect(immediate).toBeNull();
    expect(timer?.hasRef()).toBe(true);
    loop.stop();
    await run;
    expect(nodeWakers(loop)).toEqual({ timer: null, immediate: null });
  });

  test('runForever while running rejects with RuntimeError', async () => {
    const loop = newLoop();
    const run = loop.runForever();
    await expect(loop.runForever()).rejects.toThrow('This event loop is already running');
    loop.stop();
    await run;
  });

  test('only one loop runs at a time', async () => {
    const a = newLoop();
    const b = newLoop();
    const run = a.runForever();
    await expect(b.runForever()).rejects.toThrow(
      'Cannot run the event loop while another loop is running',
    );
    await expect(b.runUntilComplete(b.createFuture())).rejects.toThrow(RuntimeError);
    a.stop();
    await run;
  });

  test('runForever on a closed loop rejects with RuntimeError', async () => {
    const loop = newLoop();
    await loop.close();
    await expect(loop.runForever()).rejects.toThrow('Event loop is closed');
  });
});

describe('getRunningLoop', () => {
  test('is the loop inside its callbacks and throws outside', async () => {
    const loop = newLoop();
    let inside: BaseEventLoop | null = null;
    loop.callSoon(() => {
      inside = getRunningLoop();
    });
    await runBriefly(loop);
    expect(inside).toBe(loop);
    expect(() => getRunningLoop()).toThrow(RuntimeError);
    expect(() => getRunningLoop()).toThrow('no running event loop');
    expect(getRunningLoopOrNull()).toBeNull();
  });
});

describe('runUntilComplete', () => {
  test('returns the result of a future', async () => {
    const loop = newLoop();
    const fut = loop.createFuture<string>();
    loop.callSoon(() => fut.setResult('value'));
    expect(await loop.runUntilComplete(fut)).toBe('value');
    expect(loop.isRunning()).toBe(false);
  });

  test('runs a task function as a task', async () => {
    const loop = newLoop();
    expect(await loop.runUntilComplete(async () => 'from fn')).toBe('from fn');
  });

  test('wraps a promise', async () => {
    const loop = newLoop();
    expect(await loop.runUntilComplete(Promise.resolve(9))).toBe(9);
  });

  test('rejects with the exception of the future', async () => {
    const loop = newLoop();
    await expect(
      loop.runUntilComplete(async () => {
        throw new TypeError('inside');
      }),
    ).rejects.toThrow('inside');
  });

  test('rejects with CancelledError for a cancelled future', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    loop.callSoon(() => fut.cancel());
    await expect(loop.runUntilComplete(fut)).rejects.toThrow(CancelledError);
  });

  test('a wrong argument is a synchronous TypeError (test_run_until_complete_type_error)', () => {
    const loop = newLoop();
    expect(() => loop.runUntilComplete(42 as never)).toThrow(TypeError);
  });

  test('a future of another loop is a synchronous RangeError (test_run_until_complete_loop)', () => {
    const loop = newLoop();
    const other = newLoop();
    const fut = other.createFuture();
    expect(() => loop.runUntilComplete(fut)).toThrow(RangeError);
    fut.cancel();
  });

  test('a loop-less future can be run until complete', async () => {
    const loop = newLoop();
    const fut = new Future<number>({ loop: null });
    setImmediate(() => fut.setResult(5));
    expect(await loop.runUntilComplete(fut)).toBe(5);
  });

  test('stopping first rejects with RuntimeError (test_run_until_complete_stopped)', async () => {
    const loop = newLoop();
    const fut = loop.createFuture();
    loop.callSoon(() => loop.stop());
    await expect(loop.runUntilComplete(fut)).rejects.toThrow(
      'Event loop stopped before Future completed.',
    );
    fut.cancel();
  });

  test('on a closed loop rejects with RuntimeError', async () => {
    const loop = newLoop();
    await loop.close();
    await expect(loop.runUntilComplete(Promise.resolve(1))).rejects.toThrow('Event loop is closed');
  });
});

describe('close', () => {
  test('closing a running loop throws RuntimeError synchronously (base_events.py close)', async () => {
    const loop = newLoop();
    const run = loop.runForever();
    expect(() => loop.close()).toThrow(RuntimeError);
    expect(() => loop.close()).toThrow('Cannot close a running event loop');
    expect(loop.isClosed()).toBe(false);
    loop.stop();
    await run;
  });

  test('closing the loop from one of its own tasks fails that task (test_close_running_event_loop)', async () => {
    const loop = newLoop();
    let returned: unknown = 'nothing';
    await expect(
      loop.runUntilComplete(async () => {
        returned = loop.close();
      }),
    ).rejects.toThrow('Cannot close a running event loop');
    expect(returned).toBe('nothing');
  });

  test('close is idempotent and isClosed reports it', async () => {
    const loop = newLoop();
    expect(loop.isClosed()).toBe(false);
    await loop.close();
    await loop.close();
    expect(loop.isClosed()).toBe(true);
  });

  test('close drops pending callbacks and timers', async () => {
    const loop = newLoop();
    loop.callSoon(() => {});
    loop.callLater(10, () => {});
    await loop.close();
    expect(loop._ready).toHaveLength(0);
    expect(loop._scheduled.length).toBe(0);
  });

  test('Symbol.asyncDispose closes the loop', async () => {
    const loop = newLoop();
    await loop[Symbol.asyncDispose]();
    expect(loop.isClosed()).toBe(true);
  });

  test('toString reports the state', async () => {
    const loop = newLoop();
    expect(loop.toString()).toBe('<TestLoop running=false closed=false debug=false>');
    await loop.close();
    expect(loop.toString()).toBe('<TestLoop running=false closed=true debug=false>');
  });
});

describe('subclass hooks', () => {
  test('_onRunStart and _onRunStop bracket the run, with the loop running', async () => {
    const events: string[] = [];
    class HookLoop extends TestLoop {
      protected override _onRunStart(): void {
        events.push(`start running=${getRunningLoopOrNull() === this}`);
      }
      protected override _onRunStop(): void {
        events.push(`stop running=${getRunningLoopOrNull() === this}`);
      }
      protected override _processEvents(): void {
        events.push('events');
      }
    }
    const loop = new HookLoop();
    try {
      loop.callSoon(() => {
        events.push('callback');
        loop.stop();
      });
      await loop.runForever();
      expect(events).toEqual(['start running=true', 'events', 'callback', 'stop running=true']);
    } finally {
      await loop.close();
    }
  });

  test('a failing _onRunStart rejects runForever and leaves the loop stopped', async () => {
    class BadStart extends TestLoop {
      protected override _onRunStart(): void {
        throw new Error('cannot start');
      }
    }
    const loop = new BadStart();
    try {
      await expect(loop.runForever()).rejects.toThrow('cannot start');
      expect(loop.isRunning()).toBe(false);
      expect(getRunningLoopOrNull()).toBeNull();
    } finally {
      await loop.close();
    }
  });

  test('a failing _processEvents rejects runForever', async () => {
    class BadEvents extends TestLoop {
      protected override _processEvents(): void {
        throw new Error('poll failed');
      }
    }
    const loop = new BadEvents();
    try {
      await expect(loop.runForever()).rejects.toThrow('poll failed');
      expect(loop.isRunning()).toBe(false);
    } finally {
      await loop.close();
    }
  });

  test('_wakeup makes an idle running loop iterate', async () => {
    let iterations = 0;
    class WakeLoop extends TestLoop {
      protected override _processEvents(): void {
        iterations += 1;
        if (iterations === 2) this.stop();
      }
    }
    const loop = new WakeLoop();
    try {
      const run = loop.runForever();
      // The first iteration runs at once; the loop is then idle until woken.
      setImmediate(() => setImmediate(() => loop._wakeup()));
      await run;
      expect(iterations).toBe(2);
    } finally {
      await loop.close();
    }
  });
});
