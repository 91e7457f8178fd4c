// Timers for the helpers (sleep, waitFor, wait): the running loop's
// callLater when a loop runs, a Node timer otherwise.
import type { BaseEventLoop } from './base-event-loop';
import { logger } from './logger';

/** Something to cancel: a TimerHandle or a Node timer. */
export interface Cancellable {
  cancel(): void;
}

/** Node's timers take at most 2^31-1 ms; longer waits are chained. */
const NODE_TIMER_MAX = 2 ** 31 - 1;

/** Validates a time argument: a number, not NaN (a negative delay means now, Infinity never). */
export function checkDelay(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (Number.isNaN(value)) throw new RangeError(`${name} must not be NaN`);
  return value;
}

/** Below this many ms, a fractional delay looks like asyncio's seconds. */
const SECONDS_LOOKALIKE_MS = 10;

/**
 * Debug mode only: a delay that looks like seconds (asyncio's unit) rather
 * than milliseconds, a fraction below 10 such as 0.5, is accepted but
 * logged as a warning naming the likely intent (0.5 -> 500 ms). `loop` is
 * the loop whose debug mode decides (none: no warning).
 */
export function warnIfSeconds(value: number, name: string, loop: BaseEventLoop | null): void {
  if (loop === null || !loop.getDebug()) return;
  if (!(value > 0 && value < SECONDS_LOOKALIKE_MS) || Number.isInteger(value)) return;
  logger.warn(
    `${name} = ${value}: times are in milliseconds here, not seconds as in asyncio; ` +
      `if you meant ${value} s, pass ${value * 1000}`,
  );
}

function nodeTimer(ms: number, callback: () => void): Cancellable {
  let timer: NodeJS.Timeout | NodeJS.Immediate;
  let isImmediate = false;
  const arm = (remaining: number): void => {
    if (remaining <= 0) {
      isImmediate = true;
      timer = setImmediate(callback);
    } else if (remaining > NODE_TIMER_MAX) {
      timer = setTimeout(() => arm(remaining - NODE_TIMER_MAX), NODE_TIMER_MAX);
    } else {
      timer = setTimeout(callback, remaining);
    }
  };
  arm(ms);
  return {
    cancel(): void {
      if (isImmediate) clearImmediate(timer as NodeJS.Immediate);
      else clearTimeout(timer as NodeJS.Timeout);
    },
  };
}

/**
 * Calls `callback` after `ms`: through `loop.callLater` (or callSoon for
 * ms <= 0) when a loop is given, else through a Node timer (setImmediate
 * for ms <= 0), which keeps the process alive until it fires or is cancelled.
 */
export function callLaterOn(
  loop: BaseEventLoop | null,
  ms: number,
  callback: () => void,
): Cancellable {
  // callAt, not callLater: the helper that called this already warned
  // about a delay that looks like seconds (warnIfSeconds).
  if (loop !== null) return ms <= 0 ? loop.callSoon(callback) : loop.callAt(loop.time() + ms, callback);
  return nodeTimer(ms, callback);
}
