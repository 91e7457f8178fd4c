// Helpers of the loop-*.test.ts files: a BaseProactorEventLoop per test that
// runs the test body, a loop whose getaddrinfo is replaced (CPython's tests
// mock getaddrinfo the same way), and a free port.
import type { AddrInfo, GetaddrinfoOptions } from '@iocp/proactor';
import { BaseProactorEventLoop, Socket } from '@iocp/proactor';

/** A loop whose name resolution answers from a table (unknown names: the real lookup). */
export class StubResolverLoop extends BaseProactorEventLoop {
  readonly table = new Map<string, AddrInfo[]>();
  readonly asked: Array<[string | null, number, GetaddrinfoOptions | undefined]> = [];

  override getaddrinfo(host: string | null, port: number, opts?: GetaddrinfoOptions): Promise<AddrInfo[]> {
    this.asked.push([host, port, opts]);
    const rows = host === null ? undefined : this.table.get(host);
    if (rows === undefined) return super.getaddrinfo(host, port, opts);
    return Promise.resolve(
      rows.map((r) => ({ family: r.family, address: typeof r.address === 'string' ? r.address : [r.address[0], port, ...r.address.slice(2)] as AddrInfo['address'] })),
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
