// Ctrl+C while a loop runs. Port of the SIGINT handling of asyncio: a
// loop's run_forever() ends with KeyboardInterrupt (Python's default SIGINT
// handler raises it wherever the loop is), and runners.py Runner._on_sigint
// first cancels the main task (see run.ts).
//
// Node has no default handler that raises: with no 'SIGINT' listener the
// process just dies. So while one of these loops runs (runForever, and
// runUntilComplete through it) it takes SIGINT over: the listeners the
// process had are set aside, its own listener stops the loop, and
// runForever() rejects with KeyboardInterrupt once the loop stopped. The
// listeners that were there before are put back when the run ends, so the
// process's own SIGINT handling (or Node's default, if it had none) is as
// before. Only on the main thread: signals are not delivered to workers
// (CPython also installs its handler only in the main thread).
import { isMainThread } from 'node:worker_threads';

import type { BaseEventLoop } from '@iocp/futures';

/**
 * Python's KeyboardInterrupt: Ctrl+C (SIGINT) stopped a running loop. Not
 * an OSError, nor any error class of @iocp/futures, so `catch` blocks
 * written for I/O errors do not swallow it.
 */
export class KeyboardInterrupt extends Error {
  constructor(message = 'KeyboardInterrupt', options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeyboardInterrupt';
  }
}

type Listener = (...args: unknown[]) => void;

/**
 * @internal The SIGINT takeover of one loop's run (see the file comment).
 * install() at the start of runForever, uninstall() at its end; a hook set
 * by run() may handle a SIGINT first (returning true).
 */
export class SigintGuard {
  /** The process's SIGINT listeners set aside while the loop runs; null when not installed. */
  private _saved: Listener[] | null = null;
  private _interrupted = false;
  /** run()'s hook: returns true when it handled the signal (cancelled the main task). */
  hook: (() => boolean) | null = null;

  constructor(private readonly _loop: BaseEventLoop) {}

  /** Takes SIGINT over for the loop's run (main thread only). */
  install(): void {
    if (!isMainThread || this._saved !== null) return;
    this._interrupted = false;
    this._saved = process.rawListeners('SIGINT') as Listener[];
    process.removeAllListeners('SIGINT');
    process.on('SIGINT', this._onSigint);
  }

  /**
   * Gives SIGINT back (the listeners from before, in order) and throws
   * KeyboardInterrupt if a SIGINT stopped this run.
   */
  uninstall(): void {
    const saved = this._saved;
    if (saved === null) return;
    this._saved = null;
    process.removeListener('SIGINT', this._onSigint);
    for (const listener of saved) process.on('SIGINT', listener);
    if (this._interrupted) {
      this._interrupted = false;
      throw new KeyboardInterrupt();
    }
  }

  private readonly _onSigint = (): void => {
    if (this.hook !== null && this.hook()) return;
    this._interrupted = true;
    this._loop.stop();
  };
}
