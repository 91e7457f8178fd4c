// Shared helpers of the transport and loop tests: loops that count their
// open resources, a protocol that records what its transport tells it, and
// connected socket pairs.
import { BaseEventLoop, Future, logger } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { BaseProactorEventLoop, Socket } from '@iocp/proactor';
import type { BufferedProtocol, Protocol, Transport } from '@iocp/proactor';

/** A loop that counts _resourceOpened/_resourceClosed and records exception handler calls. */
export class CountingLoop extends BaseProactorEventLoop {
  opened = 0;
  closed = 0;
  readonly errors: ExceptionContext[] = [];

  constructor() {
    super();
    this.setExceptionHandler((_loop: BaseEventLoop, ctx: ExceptionContext) => {
      this.errors.push(ctx);
    });
  }

  override _resourceOpened(): void {
    this.opened++;
  }

  override _resourceClosed(): void {
    this.closed++;
  }
}

/** A Protocol that records every call. */
export class RecordingProtocol implements Protocol {
  transport: Transport | null = null;
  readonly chunks: Buffer[] = [];
  readonly events: string[] = [];
  eofCount = 0;
  lostCount = 0;
  lostExc: Error | null | undefined = undefined;
  pauseCount = 0;
  resumeCount = 0;
  /** What eofReceived() returns. */
  keepOpen = false;
  readonly made: Future<void>;
  readonly lost: Future<Error | null>;
  private _waitFor: { n: number; fut: Future<void> } | null = null;

  constructor(loop: BaseEventLoop) {
    this.made = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(transport: Transport): void {
    this.events.push('made');
    this.transport = transport;
    this.made.setResult(undefined);
  }

  dataReceived(data: Buffer): void {
    this.events.push('data');
    this.chunks.push(data);
    const w = this._waitFor;
    if (w !== null && this.received().length >= w.n) {
      this._waitFor = null;
      w.fut.setResult(undefined);
    }
  }

  eofReceived(): boolean {
    this.events.push('eof');
    this.eofCount++;
    return this.keepOpen;
  }

  connectionLost(exc: Error | null): void {
    this.events.push('lost');
    this.lostCount++;
    this.lostExc = exc;
    if (!this.lost.done()) this.lost.setResult(exc);
  }

  pauseWriting(): void {
    this.events.push('pause');
    this.pauseCount++;
  }

  resumeWriting(): void {
    this.events.push('resume');
    this.resumeCount++;
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves once `n` bytes arrived in all. */
  waitForBytes(loop: BaseEventLoop, n: number): Future<void> {
    const fut = loop.createFuture<void>();
    if (this.received().length >= n) fut.setResult(undefined);
    else this._waitFor = { n, fut };
    return fut;
  }
}

/** A buffer whose bytes depend on their position and on `seed`. */
export function pattern(length: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 7 + seed * 31 + (i >>> 8)) & 0xff;
  return buf;
}

/** Reads `sock` through the loop until EOF. */
export async function readAll(loop: BaseProactorEventLoop, sock: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = await loop.sockRecv(sock, 256 * 1024);
    if (chunk.length === 0) return Buffer.concat(chunks);
    chunks.push(chunk);
  }
}

/** Reads exactly `n` bytes of `sock` (fewer if EOF comes first). */
export async function readExactly(
  loop: BaseProactorEventLoop,
  sock: Socket,
  n: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await loop.sockRecv(sock, n - got);
    if (chunk.length === 0) break;
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** Lets the loop run `n` iterations (each sleep(0) is one callSoon round trip). */
export async function iterations(loop: BaseEventLoop, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const fut = loop.createFuture<void>();
    loop.callSoon(() => fut.setResult(undefined));
    await fut;
  }
}

/** Waits (loop iterations, no timer) until `cond()` holds; fails after `max` iterations. */
export async function until(
  loop: BaseEventLoop,
  cond: () => boolean,
  what: string,
  max = 100000,
): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (cond()) return;
    // Let Node deliver completions between iterations.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await iterations(loop, 1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Captures the package logger's lines while `fn` runs. */
export async function withLogger<T>(
  fn: (lines: { level: string; message: string }[]) => Promise<T>,
): Promise<T> {
  const lines: { level: string; message: string }[] = [];
  const saved = { ...logger };
  logger.debug = (message: string) => void lines.push({ level: 'debug', message });
  logger.warn = (message: string) => void lines.push({ level: 'warn', message });
  logger.error = (message: string) => void lines.push({ level: 'error', message });
  try {
    return await fn(lines);
  } finally {
    Object.assign(logger, saved);
  }
}

/** A TCP listener on loopback. */
export function tcpListener(): Socket {
  const sock = new Socket('inet');
  sock.bind(['127.0.0.1', 0]);
  sock.listen();
  return sock;
}

/** A connected TCP pair made through the loop: [client, accepted]. */
export async function tcpPair(loop: BaseProactorEventLoop): Promise<[Socket, Socket]> {
  const lsock = tcpListener();
  try {
    const client = new Socket('inet');
    const accepted = loop.sockAccept(lsock);
    await loop.sockConnect(client, lsock.getsockname());
    const [server] = await accepted;
    return [client, server];
  } finally {
    lsock.close();
  }
}

/**
 * Closes a test's loop, also after a test that failed (or timed out) while
 * the loop ran: the loop is stopped first, so the next test can run one.
 */
export async function closeLoop(loop: BaseEventLoop): Promise<void> {
  if (loop.isRunning()) {
    loop.stop();
    for (let i = 0; i < 1000 && loop.isRunning(); i++)
      await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await loop.close();
}

/** A BufferedProtocol that lends one buffer of `size` bytes and records every call. */
export class LendingProtocol implements BufferedProtocol {
  transport: Transport | null = null;
  buf: Uint8Array;
  readonly hints: number[] = [];
  readonly parts: Buffer[] = [];
  readonly lost: Future<Error | null>;
  /** Replaces what getBuffer returns (an error to throw, a value to return). */
  lend: (() => unknown) | null = null;

  constructor(loop: BaseEventLoop, size = 64 * 1024, alloc: (size: number) => Buffer = Buffer.alloc) {
    this.buf = alloc(size);
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  getBuffer(sizeHint: number): Uint8Array {
    this.hints.push(sizeHint);
    if (this.lend !== null) return this.lend() as Uint8Array;
    return this.buf;
  }

  bufferUpdated(n: number): void {
    this.parts.push(Buffer.from(this.buf.subarray(0, n)));
  }

  received(): Buffer {
    return Buffer.concat(this.parts);
  }

  connectionLost(exc: Error | null): void {
    if (!this.lost.done()) this.lost.setResult(exc);
  }
}
