// Helpers of the stream and duplex tests: a loop with no I/O (for the
// StreamReader cases CPython runs with no transport), loop bookkeeping so
// every test closes what it opens, run_briefly, and a fake transport that
// records what is done to it (CPython's tests use mocks for the same).
import { BaseEventLoop, Future, allTasks, gather } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import type { BaseProtocol, Protocol } from '../src/protocols';
import type { Transport, WriteBufferLimits } from '../src/transports/types';

/** The smallest concrete loop: BaseEventLoop with no I/O. */
export class TestLoop extends BaseEventLoop {}

const loops: BaseEventLoop[] = [];

/** A new TestLoop that closeLoops() cancels the tasks of and closes. */
export function newLoop(): TestLoop {
  const loop = new TestLoop();
  loops.push(loop);
  return loop;
}

/** Cancels the pending tasks of `loop`, runs them to their end, closes it. */
export async function closeLoop(loop: BaseEventLoop): Promise<void> {
  if (loop.isClosed()) return;
  const tasks = [...allTasks(loop)];
  if (tasks.length > 0) {
    for (const task of tasks) task.cancel();
    await loop.runUntilComplete(gather(tasks, { returnExceptions: true }));
  }
  await loop.close();
}

/** Closes every loop made by newLoop(); for afterEach. */
export async function closeLoops(): Promise<void> {
  for (const loop of loops.splice(0)) await closeLoop(loop);
}

/** Collects the contexts given to the loop's exception handler. */
export function captureExceptions(loop: BaseEventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    seen.push(context);
  });
  return seen;
}

// Port of test_utils.run_briefly.
/** Runs `loop` for a couple of iterations. */
export async function runBriefly(loop: BaseEventLoop, iterations = 2): Promise<void> {
  const done = new Future<void>({ loop });
  let left = iterations;
  const step = (): void => {
    left -= 1;
    if (left <= 0) done.setResult(undefined);
    else loop.callSoon(step);
  };
  loop.callSoon(step);
  await loop.runUntilComplete(done);
}

/** A Transport that records calls; data written is kept in `written`. */
export class FakeTransport implements Transport {
  protocol: BaseProtocol;
  readonly calls: string[] = [];
  readonly written: Buffer[] = [];
  closing = false;
  reading = true;
  eofWritten = false;
  extra: Record<string, unknown> = {};
  canEof = true;

  constructor(protocol: BaseProtocol = {}) {
    this.protocol = protocol;
  }

  get proto(): Protocol {
    return this.protocol;
  }

  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return name in this.extra ? (this.extra[name] as T) : defaultValue;
  }
  isClosing(): boolean {
    return this.closing;
  }
  /** When true, close() and abort() call the protocol's connectionLost(null) on a later turn, once. */
  autoLose = false;
  lost = false;
  close(): void {
    this.calls.push('close');
    this._closeSoon();
  }
  abort(): void {
    this.calls.push('abort');
    this._closeSoon();
  }
  private _closeSoon(): void {
    const first = !this.closing;
    this.closing = true;
    if (first && this.autoLose) setImmediate(() => this.lose(null));
  }
  /** The connection ends: connectionLost(exc), once. */
  lose(exc: Error | null): void {
    if (this.lost) return;
    this.lost = true;
    this.closing = true;
    this.protocol.connectionLost?.(exc);
  }
  setProtocol(protocol: BaseProtocol): void {
    this.protocol = protocol;
  }
  getProtocol(): BaseProtocol {
    return this.protocol;
  }
  isReading(): boolean {
    return this.reading;
  }
  pauseReading(): void {
    this.calls.push('pauseReading');
    this.reading = false;
  }
  resumeReading(): void {
    this.calls.push('resumeReading');
    this.reading = true;
  }
  setWriteBufferLimits(_limits?: WriteBufferLimits): void {}
  getWriteBufferLimits(): [number, number] {
    return [16384, 65536];
  }
  getWriteBufferSize(): number {
    return 0;
  }
  write(data: Uint8Array): void {
    this.written.push(Buffer.from(data));
  }
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }
  writeEof(): void {
    this.calls.push('writeEof');
    this.eofWritten = true;
  }
  canWriteEof(): boolean {
    return this.canEof;
  }
  toString(): string {
    return '<FakeTransport>';
  }
  /** Everything written, joined. */
  data(): Buffer {
    return Buffer.concat(this.written);
  }
}
