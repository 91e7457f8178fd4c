// Where the package writes what asyncio sends to its `asyncio` logger: the
// default exception handler's reports (error) and debug-mode warnings such
// as slow callbacks (warn). Replace the functions to route them elsewhere;
// tests do.

/** The sink for the package's log lines. Every method may be replaced. */
export interface Logger {
  /** The default exception handler's reports (unhandled errors of callbacks, tasks, futures). */
  error(message: string): void;
  /** Debug-mode warnings (slow callbacks, ...). */
  warn(message: string): void;
  /** Debug-mode detail; dropped by default. */
  debug(message: string): void;
}

/** The package's logger: console.error / console.warn, debug lines dropped. */
export const logger: Logger = {
  error(message: string): void {
    console.error(message);
  },
  warn(message: string): void {
    console.warn(message);
  },
  debug(_message: string): void {},
};
