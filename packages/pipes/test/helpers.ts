// Helpers of the @iocp/pipes tests: unique pipe names, a loop per test, and
// protocols that record what they see.
import * as fs from 'node:fs';

import type { BaseEventLoop, Future } from '@iocp/futures';
import { native } from '@iocp/native';
import { BaseProactorEventLoop, PIPE_PREFIX } from '@iocp/proactor';
import type { Protocol, Transport } from '@iocp/proactor';

export const isWindows = process.platform === 'win32';
export const isWine = native.isWine();

let serial = 0;
/** A pipe name no other test (or test process) uses. */
export function address(tag = 'p'): string {
  serial += 1;
  return `${PIPE_PREFIX}iocp-pipes-test-${process.pid}-${tag}-${serial}`;
}

/** Open fds of this process (Linux), or -1 where /proc is not there. */
export function openFds(): number {
  if (process.platform !== 'linux') return -1;
  return fs.readdirSync('/proc/self/fd').length;
}

/** Stops (if needed) and closes a loop. */
export async function closeLoop(loop: BaseProactorEventLoop): Promise<void> {
  if (loop.isRunning()) {
    loop.stop();
    for (let i = 0; i < 1000 && loop.isRunning(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await loop.close();
}

/** A new loop, and a function running a body as its task. */
export function newLoop(): BaseProactorEventLoop {
  return new BaseProactorEventLoop();
}

/**
 * Port of test_windows_events.py UpperProto: collects data until a newline,
 * then writes it back upper-cased and closes.
 */
export class UpperProto implements Protocol {
  private readonly buf: Buffer[] = [];
  private trans: Transport | null = null;

  connectionMade(trans: Transport): void {
    this.trans = trans;
  }

  dataReceived(data: Buffer): void {
    this.buf.push(data);
    if (data.includes(0x0a)) {
      this.trans!.write(Buffer.from(Buffer.concat(this.buf).toString('latin1').toUpperCase(), 'latin1'));
      this.trans!.close();
    }
  }
}

/** A protocol that records chunks and events; `lost` settles on connectionLost. */
export class Recorder implements Protocol {
  transport: Transport | null = null;
  readonly chunks: Buffer[] = [];
  readonly events: string[] = [];
  readonly made: Future<void>;
  readonly lost: Future<Error | null>;
  private _want: { n: number; fut: Future<void> } | null = null;

  constructor(
    readonly loop: BaseEventLoop,
    private readonly onData?: (self: Recorder, data: Buffer) => void,
  ) {
    this.made = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
    this.made.setResult(undefined);
  }

  dataReceived(data: Buffer): void {
    this.chunks.push(Buffer.from(data));
    this.onData?.(this, data);
    const w = this._want;
    if (w !== null && this.size() >= w.n) {
      this._want = null;
      w.fut.setResult(undefined);
    }
  }

  eofReceived(): boolean {
    this.events.push('eof');
    return false;
  }

  connectionLost(exc: Error | null): void {
    this.events.push('lost');
    if (!this.lost.done()) this.lost.setResult(exc);
  }

  size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves once at least n bytes came. */
  waitFor(n: number): Future<void> {
    const fut = this.loop.createFuture<void>();
    if (this.size() >= n) fut.setResult(undefined);
    else this._want = { n, fut };
    return fut;
  }
}
