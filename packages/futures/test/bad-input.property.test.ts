// Bad input, tried at random (fast-check): the time arguments of the
// helpers and the loop (sleep, waitFor, wait, asCompleted, callLater,
// callAt) and the arguments of Future and Task. A wrong type throws
// TypeError and NaN a RangeError, synchronously, naming the argument
// (API.md, "Errors"); a negative time means "now" and Infinity "never", as
// in asyncio (asyncio.sleep(-1) returns at once, wait_for(aw, timeout <= 0)
// times out unless aw is done, wait_for(aw, None) waits for ever). After
// each try a control task on the same loop still runs to its result.
import fc from 'fast-check';

import { Future, TimeoutError, asCompleted, sleep, wait, waitFor } from '@iocp/futures';

import { closeLoops, newLoop } from './helpers';
import { thrownBy } from '@iocp/jest-preset/thrown-by';

const RUNS = 100;

afterEach(closeLoops);

/** Values of any type but number, null and undefined (which mean "no timeout" or "the default"). */
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.bigInt(),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(Symbol('s')),
  fc.constant(() => 1),
);
const negative = fc.oneof(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), fc.constant(-Infinity), fc.constant(-0));

describe('time arguments', () => {
  let loop: ReturnType<typeof newLoop>;
  beforeEach(() => {
    loop = newLoop();
  });

  /** The control: a task on the loop still runs to its result. */
  async function control(): Promise<void> {
    expect(await loop.runUntilComplete(async () => await sleep(0, 'ok'))).toBe('ok');
  }

  it('a wrong type is a TypeError and NaN a RangeError, thrown at once by every helper and the loop', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(notANumber.map((v) => [v, 'TypeError'] as const), fc.constant([NaN, 'RangeError'] as const)), async ([bad, want]) => {
        const pending = new Future({ loop });
        expect(thrownBy(() => sleep(bad as never))).toBe(want);
        expect(thrownBy(() => waitFor(pending, bad as never))).toBe(want);
        expect(thrownBy(() => wait([pending], { timeout: bad as number }))).toBe(want);
        expect(thrownBy(() => asCompleted([pending], { timeout: bad as number }))).toBe(want);
        expect(thrownBy(() => loop.callLater(bad as number, () => {}))).toBe(want);
        expect(thrownBy(() => loop.callAt(bad as number, () => {}))).toBe(want);
        expect(pending.done()).toBe(false);
        pending.cancel();
        await control();
      }),
      { numRuns: RUNS },
    );
  });

  it('a negative time is now: sleep returns, waitFor times out a pending future, a callLater runs', async () => {
    await fc.assert(
      fc.asyncProperty(negative, async (ms) => {
        const out = await loop.runUntilComplete(async () => {
          const pending = new Future<string>({ loop });
          const ran: string[] = [];
          loop.callLater(ms, () => ran.push('later'));
          const slept = await sleep(ms, 'slept');
          let timedOut = false;
          try {
            await waitFor(pending, ms);
          } catch (e) {
            timedOut = e instanceof TimeoutError;
          }
          const done = new Future<string>({ loop });
          done.setResult('done');
          return [slept, timedOut, pending.cancelled(), await waitFor(done, ms), ran] as const;
        });
        expect(out).toEqual(['slept', true, true, 'done', ['later']]);
        await control();
      }),
      { numRuns: RUNS },
    );
  });

  it('Infinity is never: waitFor waits for the result, a sleep stays pending until cancelled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (value) => {
        const out = await loop.runUntilComplete(async () => {
          const later = new Future<string>({ loop });
          loop.callSoon(() => later.setResult(value));
          const got = await waitFor(later, Infinity);
          const forever = sleep(Infinity);
          await sleep(1);
          const stillPending = !forever.done();
          forever.cancel();
          return [got, stillPending] as const;
        });
        expect(out).toEqual([value, true]);
        await control();
      }),
      { numRuns: 30 },
    );
  });
});

describe('Future and Task arguments', () => {
  let loop: ReturnType<typeof newLoop>;
  beforeEach(() => {
    loop = newLoop();
  });

  it('wrong types are TypeErrors; the future is left as it was and still works', async () => {
    await fc.assert(
      fc.asyncProperty(notANumber.filter((v) => typeof v !== 'string' && typeof v !== 'function'), async (bad) => {
        const f = new Future<number>({ loop });
        expect(thrownBy(() => f.cancel(bad as never))).toBe('TypeError');
        expect(thrownBy(() => f.addDoneCallback(bad as never))).toBe('TypeError');
        expect(thrownBy(() => new Future({ loop: bad as never }))).toBe('TypeError');
        expect(thrownBy(() => loop.createTask(bad as never))).toBe('TypeError');
        expect(thrownBy(() => loop.createTask(async () => 1, { name: bad as never }))).toBe('TypeError');
        expect(f.done()).toBe(false);
        f.setResult(7);
        expect(await loop.runUntilComplete(f)).toBe(7);
      }),
      { numRuns: RUNS },
    );
  });

  it('setException of a value that is neither an object nor an Error class is a TypeError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.bigInt(), fc.constant(null), fc.constant(undefined)), async (bad) => {
        const f = new Future<number>({ loop });
        expect(thrownBy(() => f.setException(bad as never))).toBe('TypeError');
        expect(f.done()).toBe(false);
        f.setResult(7);
        expect(await loop.runUntilComplete(f)).toBe(7);
      }),
      { numRuns: RUNS },
    );
  });
});
