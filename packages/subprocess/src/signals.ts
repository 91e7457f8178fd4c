// The signals sendSignal() takes: a number or a name ('SIGTERM').
//
// Linux: any signal number (0-64) or a name of os.constants.signals.
// Windows: as CPython's Popen.send_signal, only what Windows can do to a
// process: SIGTERM and SIGKILL (TerminateProcess), SIGINT / CTRL_C_EVENT
// (a CTRL_C_EVENT to the child's console process group) and SIGBREAK /
// CTRL_BREAK_EVENT (CTRL_BREAK_EVENT). Anything else is a RangeError
// naming the signal (CPython: ValueError 'Unsupported signal').
import { constants } from 'node:os';

const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/** Node's numbers on Windows (os.constants.signals there). */
const WIN_SIGINT = 2;
const WIN_SIGKILL = 9;
const WIN_SIGTERM = 15;
const WIN_SIGBREAK = 21;

const WINDOWS_NAMES: ReadonlyMap<string, number> = new Map([
  ['SIGTERM', WIN_SIGTERM],
  ['SIGKILL', WIN_SIGKILL],
  ['SIGINT', WIN_SIGINT],
  ['CTRL_C_EVENT', WIN_SIGINT],
  ['SIGBREAK', WIN_SIGBREAK],
  ['CTRL_BREAK_EVENT', WIN_SIGBREAK],
]);
const WINDOWS_NUMBERS: ReadonlySet<number> = new Set(WINDOWS_NAMES.values());

/** The signal number for the native processSignal(); throws TypeError / RangeError on bad input. */
export function signalNumber(sig: unknown, platform: NodeJS.Platform = process.platform): number {
  if (typeof sig !== 'number' && typeof sig !== 'string') {
    throw new TypeError(
      `signal must be a number or a signal name, not ${sig === null ? 'null' : typeof sig}`,
    );
  }
  if (platform === 'win32') {
    const n =
      typeof sig === 'string' ? WINDOWS_NAMES.get(sig) : WINDOWS_NUMBERS.has(sig) ? sig : undefined;
    if (n === undefined) {
      throw new RangeError(
        `Unsupported signal: ${String(sig)} (Windows: SIGTERM, SIGKILL, SIGINT / CTRL_C_EVENT, SIGBREAK / CTRL_BREAK_EVENT)`,
      );
    }
    return n;
  }
  if (typeof sig === 'string') {
    const n = Object.prototype.hasOwnProperty.call(SIGNALS, sig) ? SIGNALS[sig] : undefined;
    if (n === undefined) throw new RangeError(`Unknown signal: ${sig}`);
    return n;
  }
  if (!Number.isInteger(sig) || sig < 0 || sig > 64)
    throw new RangeError(`signal must be an integer in [0, 64], got ${sig}`);
  return sig;
}

/** SIGTERM and SIGKILL in the numbering of this OS. */
export const SIGTERM = process.platform === 'win32' ? WIN_SIGTERM : SIGNALS.SIGTERM;
export const SIGKILL = process.platform === 'win32' ? WIN_SIGKILL : SIGNALS.SIGKILL;
