// Shared test helpers: a listening socket on loopback, a connected pair over
// TCP through the proactor, and an fd counter for leak checks on Linux.
import * as fs from 'node:fs';

import { IocpProactor, Socket } from '@iocp/proactor';

export function listener(family: 'inet' | 'inet6' = 'inet'): Socket {
  const sock = new Socket(family);
  sock.bind(family === 'inet' ? ['127.0.0.1', 0] : ['::1', 0]);
  sock.listen();
  return sock;
}

export async function tcpPair(proactor: IocpProactor): Promise<[Socket, Socket, Socket]> {
  const lsock = listener();
  const client = new Socket('inet');
  const accepted = proactor.accept(lsock);
  await proactor.connect(client, lsock.getsockname());
  const [server] = await accepted;
  return [lsock, client, server];
}

/** Open fds of this process (Linux), or -1 where /proc is not there. */
export function openFds(): number {
  if (process.platform !== 'linux') return -1;
  return fs.readdirSync('/proc/self/fd').length;
}

/**
 * A fresh IocpProactor for each test of the calling describe block, closed
 * after the test together with everything pushed on `closeMe` (closed
 * first). Call it at the top of a describe block; `onEach` receives each
 * test's proactor (for a block that keeps it in a variable of its own).
 */
export function proactorPerTest(onEach?: (proactor: IocpProactor) => void): {
  readonly proactor: IocpProactor;
  readonly closeMe: Array<{ close(): unknown }>;
  /** A connected TCP pair [client, server]; both and the listener close after the test. */
  tcp(): Promise<[Socket, Socket]>;
} {
  let current: IocpProactor | undefined;
  const closeMe: Array<{ close(): unknown }> = [];
  beforeEach(() => {
    current = new IocpProactor();
    onEach?.(current);
  });
  afterEach(async () => {
    for (const c of closeMe.splice(0)) c.close();
    await current?.close();
    current = undefined;
  });
  return {
    get proactor(): IocpProactor {
      if (current === undefined) throw new Error('proactorPerTest(): no test is running');
      return current;
    },
    closeMe,
    async tcp(): Promise<[Socket, Socket]> {
      const [lsock, client, server] = await tcpPair(this.proactor);
      closeMe.push(lsock, client, server);
      return [client, server];
    },
  };
}

/** Resolves with the value, or rejects if it takes longer than ms. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The share of the next ms milliseconds that the event loop spent outside
 * its wait for events (Node's event loop utilization): a few percent for an
 * idle loop, about 1 for a loop that spins. It counts the main thread's loop
 * only: V8's background threads (concurrent GC, the optimizing compiler)
 * can keep the process a CPU busy for a while after a heavy test, which a
 * process-wide CPU figure would take for a spin (seen under ASan).
 */
export async function loopBusyOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return performance.eventLoopUtilization(start).utilization;
}
