// Helpers of the loop-*.test.ts files: a BaseProactorEventLoop per test that
// runs the test body, a loop whose getaddrinfo is replaced (CPython's tests
// mock getaddrinfo the same way), and a free port.
import type { AddrInfo, GetaddrinfoOptions, Transport } from '@iocp/proactor';
import { BaseProactorEventLoop, Socket } from '@iocp/proactor';

import { openFds } from './helpers';

/** A loop whose name resolution answers from a table (unknown names: the real lookup). */
export class StubResolverLoop extends BaseProactorEventLoop {
  readonly table = new Map<string, AddrInfo[]>();
  readonly asked: Array<[string | null, number, GetaddrinfoOptions | undefined]> = [];

  override getaddrinfo(host: string | null, port: number, opts?: GetaddrinfoOptions): Promise<AddrInfo[]> {
    this.asked.push([host, port, opts]);
    const rows = host === null ? undefined : this.table.get(host);
    if (rows === undefined) return super.getaddrinfo(host, port, opts);
    return Promise.resolve(
      // A row's own port wins over the one asked for when it is not 0.
      rows.map((r) => ({
        family: r.family,
        address: typeof r.address === 'string' ? r.address : ([r.address[0], r.address[1] || port, ...r.address.slice(2)] as AddrInfo['address']),
      })),
    );
  }
}

/** Runs fn as a task of loop until it settles. */
export function run<T>(loop: BaseProactorEventLoop, fn: () => Promise<T>): Promise<T> {
  return loop.runUntilComplete(() => fn());
}

/** A TCP port nobody listens on now (bound, then closed). */
export function closedPort(family: 'inet' | 'inet6' = 'inet'): number {
  const s = new Socket(family);
  try {
    s.bind(family === 'inet' ? ['127.0.0.1', 0] : ['::1', 0]);
    return (s.getsockname() as [string, number])[1];
  } finally {
    s.close();
  }
}

export function inet(host: string, port = 0): AddrInfo {
  return { family: 'inet', address: [host, port] };
}

export function inet6(host: string, port = 0): AddrInfo {
  return { family: 'inet6', address: [host, port, 0, 0] };
}

/** A protocol that records its events and resolves `lost` on connectionLost. */
export class Recorder {
  transport: Transport | null = null;
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly lost: Promise<Error | null>;
  /** Resolves with connectionMade. */
  readonly made: Promise<void>;
  private _lost!: (exc: Error | null) => void;
  private _made!: () => void;
  private _size = 0;
  private readonly _waiters: Array<[number, () => void]> = [];

  constructor(private readonly echo = false) {
    this.lost = new Promise((r) => (this._lost = r));
    this.made = new Promise((r) => (this._made = r));
  }
  connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
    this._made();
  }
  dataReceived(data: Buffer): void {
    this.chunks.push(data);
    this._size += data.length;
    if (this.echo) this.transport?.write(data);
    for (const w of this._waiters.splice(0)) {
      if (this._size >= w[0]) w[1]();
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
  data(): Buffer {
    return Buffer.concat(this.chunks);
  }
  /** Resolves once at least n bytes arrived. */
  received(n: number): Promise<Buffer> {
    if (this._size >= n) return Promise.resolve(this.data());
    return new Promise((r) => this._waiters.push([n, () => r(this.data())]));
  }
}

/**
 * A StubResolverLoop per test of the enclosing describe: `onLoop` gets each
 * new loop; after each test the objects given to the returned `track` are
 * closed, then the loop, and no fd may be left open.
 */
export function loopPerTest(onLoop: (loop: StubResolverLoop) => void): <T extends { close(): unknown }>(x: T) => T {
  const closeMe: Array<{ close(): unknown }> = [];
  let loop: StubResolverLoop;
  let fdsBefore: number;
  beforeEach(() => {
    fdsBefore = openFds();
    loop = new StubResolverLoop();
    onLoop(loop);
  });
  afterEach(async () => {
    for (const c of closeMe.splice(0)) c.close();
    await loop.close();
    expect(openFds()).toBe(fdsBefore);
  });
  return (x) => {
    closeMe.push(x);
    return x;
  };
}
