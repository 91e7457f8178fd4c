// Fault test: close() of a proactor with thousands of pending operations of
// every kind (recv, recvInto, recvfrom, send and sendfile on full sockets,
// accept, connect to a listener whose backlog is full, waitForHandle).
// close() resolves, every future ends (cancelled or failed, none pending),
// nothing leaks, and a new proactor still echoes. Runs on every backend.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Future } from '@iocp/futures';
import { Event, IocpProactor, Socket } from '@iocp/proactor';

import { listener, openFds, tcpPair } from './helpers';

const PER_KIND = 400;

/**
 * Fills a connection whose peer never reads: small buffers on both ends,
 * then 8 MiB, more than they can hold on any backend.
 */
function fill(
  proactor: IocpProactor,
  sock: Socket,
  peer: Socket,
  futures: Future<unknown>[],
): void {
  sock.setsockopt('SO_SNDBUF', 4096);
  peer.setsockopt('SO_RCVBUF', 4096);
  const block = Buffer.alloc(1 << 20, 0x61);
  for (let i = 0; i < 8; i++) futures.push(proactor.send(sock, block));
}

describe('close() with thousands of pending operations', () => {
  it('resolves, ends every future, leaks nothing, and a new proactor still echoes', async () => {
    const fdsBefore = openFds();
    const file = path.join(os.tmpdir(), `iocp-fault-close-${process.pid}`);
    fs.writeFileSync(file, Buffer.alloc(1 << 20, 0x62));
    const fd = fs.openSync(file, 'r');
    const opened: Array<{ close(): unknown }> = [];
    const track = <T extends { close(): unknown }>(x: T): T => {
      opened.push(x);
      return x;
    };
    const proactor = new IocpProactor();
    try {
      const futures: Future<unknown>[] = [];
      const kinds = new Map<Future<unknown>, string>();
      const add = (kind: string, f: Future<unknown>): void => {
        futures.push(f);
        kinds.set(f, kind);
      };

      // Receives on connections nobody writes to.
      const [l1, a, b] = (await tcpPair(proactor)).map(track);
      void l1;
      for (let i = 0; i < PER_KIND; i++) add('recv', proactor.recv(a, 100));
      for (let i = 0; i < PER_KIND; i++) add('recvInto', proactor.recvInto(b, Buffer.alloc(100)));
      const udp = track(new Socket('inet', 'dgram'));
      udp.bind(['127.0.0.1', 0]);
      for (let i = 0; i < PER_KIND; i++) add('recvfrom', proactor.recvfrom(udp, 100));

      // Sends and sendfiles queued behind a full socket.
      const [, c, d] = (await tcpPair(proactor)).map(track);
      fill(proactor, c, d, futures);
      for (let i = 0; i < PER_KIND; i++)
        add('send', proactor.send(c, Buffer.alloc(1000, i & 0xff)));
      const [, e, f] = (await tcpPair(proactor)).map(track);
      fill(proactor, e, f, futures);
      for (let i = 0; i < PER_KIND / 4; i++) add('sendfile', proactor.sendfile(e, fd, 0, 0));

      // Accepts nobody connects to.
      const lonely = track(listener());
      for (let i = 0; i < PER_KIND; i++) add('accept', proactor.accept(lonely));

      // Connects to a listener whose backlog is full (on Linux the SYNs go
      // unanswered, so they stay pending; Windows refuses them, which ends
      // them too).
      const full = track(new Socket('inet'));
      full.bind(['127.0.0.1', 0]);
      full.listen(0);
      for (let i = 0; i < PER_KIND / 4; i++)
        add('connect', proactor.connect(track(new Socket('inet')), full.getsockname()));

      // Waits on events nobody sets.
      const event = track(new Event());
      for (let i = 0; i < PER_KIND; i++)
        add('waitForHandle', proactor.waitForHandle(event, i % 2 === 0 ? undefined : 60000));

      const pendingAtClose = futures.filter((x) => !x.done()).length;
      expect(pendingAtClose).toBeGreaterThan(PER_KIND * 5);
      await proactor.close();

      const stillPending = futures.filter((x) => !x.done()).map((x) => kinds.get(x) ?? 'fill');
      expect(stillPending).toEqual([]);
      // Nothing could happen to the receives, accepts and waits (nobody
      // writes, connects or sets): each ended cancelled or with an error.
      // A send, a sendfile or a connect may have finished before close()
      // reached it (the kernel took the bytes, Windows refused the connect):
      // then its future has that outcome (see fault-cancel-storm.test.ts).
      const finished = (x: Future<unknown>): boolean => !x.cancelled() && x.exception() === null;
      const mayFinish = new Set(['fill', 'send', 'sendfile', 'connect']);
      expect(
        futures
          .filter(finished)
          .map((x) => kinds.get(x) ?? 'fill')
          .filter((k) => !mayFinish.has(k)),
      ).toEqual([]);
      console.log(
        `close() with ${pendingAtClose} pending operations on ${proactor.backend}: ` +
          `${futures.filter((x) => x.cancelled()).length} cancelled, ` +
          `${futures.filter((x) => !x.cancelled() && x.exception() !== null).length} failed, ` +
          `${futures.filter(finished).length} finished before close() reached them`,
      );
    } finally {
      for (const x of opened) x.close();
      await proactor.close();
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
    if (fdsBefore >= 0) expect(openFds()).toBe(fdsBefore);

    // The process still works: a new proactor echoes.
    const fresh = new IocpProactor();
    const [l, x, y] = await tcpPair(fresh);
    try {
      const got = fresh.recv(y, 100);
      await fresh.send(x, Buffer.from('still alive'));
      expect((await got).toString()).toBe('still alive');
    } finally {
      for (const s of [l, x, y]) s.close();
      await fresh.close();
    }
  }, 30000);
});
