// Helpers of the iocp tests: loops closed after each test, unique pipe
// names, and protocols that record what they see.
import * as path from 'node:path';

import type { BaseEventLoop } from '@iocp/futures';
import { native } from '@iocp/native';
import type { BaseTransport, DatagramTransport, SockAddr, Transport } from '@iocp/proactor';

export const isWindows = process.platform === 'win32';
/** Under Wine (the Windows leg): Wine does not refuse a second first-instance pipe server. */
export const isWine = isWindows && native.isWine();
/** The built meta-package, for child scripts (as a user's script would load it). */
export const DIST = path.resolve(__dirname, '..', 'dist');

/**
 * The first line of a child script: under Wine, the preload that makes
 * require() resolve pnpm's links as Windows does (the Windows leg runs jest
 * with it too), so each package loads once; elsewhere nothing.
 */
export const CHILD_PRELUDE = isWindows
  ? `require(${JSON.stringify(path.resolve(__dirname, '..', '..', '..', 'tooling', 'jest-preset', 'windows-realpath.js'))});\n`
  : '';

const loops: BaseEventLoop[] = [];

/** Registers a loop for closeLoops(). */
export function track<L extends BaseEventLoop>(loop: L): L {
  loops.push(loop);
  return loop;
}

/** Stops and closes every tracked loop; for afterEach. */
export async function closeLoops(): Promise<void> {
  for (const loop of loops.splice(0)) {
    if (loop.isRunning()) {
      loop.stop();
      for (let i = 0; i < 1000 && loop.isRunning(); i++) await new Promise<void>((r) => setImmediate(r));
    }
    await loop.close();
  }
}

let serial = 0;
/** A pipe name no other test (or test process) uses. */
export function pipeAddress(tag = 'p'): string {
  serial += 1;
  return `\\\\.\\pipe\\iocp-meta-test-${process.pid}-${tag}-${serial}`;
}

/** A stream protocol that records data, EOF and the loss; `echo` writes back what it gets. */
export class Recorder {
  transport: Transport | null = null;
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly lost: Promise<Error | null>;
  private _lost!: (exc: Error | null) => void;
  private readonly _waiters: Array<[number, () => void]> = [];
  pauses = 0;
  resumes = 0;

  constructor(private readonly echo = false) {
    this.lost = new Promise((r) => (this._lost = r));
  }
  get size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }
  connectionMade(t: BaseTransport): void {
    this.transport = t as Transport;
    this.events.push('made');
  }
  dataReceived(data: Buffer): void {
    this.chunks.push(data);
    if (this.echo) this.transport?.write(data);
    const size = this.size;
    for (const w of this._waiters.splice(0)) {
      if (size >= w[0]) w[1]();
      else this._waiters.push(w);
    }
  }
  eofReceived(): void {
    this.events.push('eof');
  }
  connectionLost(exc: Error | null): void {
    this.events.push('lost');
    this._lost(exc);
  }
  pauseWriting(): void {
    this.pauses += 1;
  }
  resumeWriting(): void {
    this.resumes += 1;
  }
  /** Resolves once `n` bytes arrived in all. */
  received(n: number): Promise<void> {
    if (this.size >= n) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push([n, resolve]));
  }
}

/** A datagram protocol that records datagrams; `echo` sends each back. */
export class DatagramRecorder {
  transport: DatagramTransport | null = null;
  readonly datagrams: Array<[Buffer, SockAddr | null]> = [];
  readonly errors: Error[] = [];
  readonly lost: Promise<Error | null>;
  private _lost!: (exc: Error | null) => void;
  private _waiter: (() => void) | null = null;

  constructor(private readonly echo = false) {
    this.lost = new Promise((r) => (this._lost = r));
  }
  connectionMade(t: BaseTransport): void {
    this.transport = t as DatagramTransport;
  }
  datagramReceived(data: Buffer, addr: SockAddr | null): void {
    this.datagrams.push([data, addr]);
    if (this.echo) this.transport?.sendto(data, addr);
    this._waiter?.();
  }
  errorReceived(exc: Error): void {
    this.errors.push(exc);
  }
  connectionLost(exc: Error | null): void {
    this._lost(exc);
  }
  /** Resolves once `n` datagrams arrived. */
  async count(n: number): Promise<void> {
    while (this.datagrams.length < n) await new Promise<void>((r) => (this._waiter = r));
  }
}
