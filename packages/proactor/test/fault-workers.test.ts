// Fault test: worker_threads terminated while their proactors are busy.
// 20 rounds: 8 workers each run an IocpProactor with an echo server and a
// client that pings the next worker's server (a ring of live TCP
// connections between the workers), and each is terminated at a random
// moment (a seeded PRNG). The process stays alive, the fds of this process
// are the same afterwards (Linux: /proc/self/fd), and the main thread's
// proactor still echoes. packages/native/test/worker-terminate.test.ts does
// the same for bare Cores in a child process; this one runs the whole
// proactor, in this process, with connections between the workers. The
// workers load the built package (dist/), as a user's worker would.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { IocpProactor } from '@iocp/proactor';

import { Prng, runSeed, withSeed } from './fault-helpers';
import { openFds, tcpPair } from './helpers';

const ROUNDS = 20;
const WORKERS = 8;
const dist = path.join(__dirname, '..', 'dist', 'index.js');

// A worker: an echo server on its listener; once told the next worker's
// port, a client that pings it forever. Every loop ends quietly when its
// connection goes (the peer worker was terminated).
const body = `
const { parentPort } = require('node:worker_threads');
const { IocpProactor, Socket } = require(${JSON.stringify(dist)});
const proactor = new IocpProactor();
const lsock = new Socket('inet');
lsock.bind(['127.0.0.1', 0]);
lsock.listen();
async function echo(conn) {
  try {
    for (;;) {
      const data = await proactor.recv(conn, 65536);
      if (data.length === 0) break;
      await proactor.send(conn, data);
    }
  } catch {}
  conn.close();
}
(async () => {
  try {
    for (;;) {
      const [conn] = await proactor.accept(lsock);
      void echo(conn);
    }
  } catch {}
})();
parentPort.on('message', async (port) => {
  const client = new Socket('inet');
  try {
    await proactor.connect(client, ['127.0.0.1', port]);
    for (let i = 0; ; i++) {
      const msg = Buffer.from('ping ' + i);
      await proactor.send(client, msg);
      let got = 0;
      while (got < msg.length) {
        const part = await proactor.recv(client, 65536);
        if (part.length === 0) throw new Error('eof');
        got += part.length;
      }
      if (i === 0) parentPort.postMessage('echoing');
    }
  } catch {}
  client.close();
});
parentPort.postMessage(lsock.getsockname()[1]);
`;

function nextMessage(w: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('worker_threads terminated while their proactors are busy', () => {
  it(`${WORKERS} workers with live connections, terminated at random moments, ${ROUNDS} rounds: the process lives and nothing leaks`, async () => {
    const seed = runSeed();
    const fdsBefore = openFds();
    await withSeed(seed, async () => {
      const rng = new Prng(seed);
      for (let round = 0; round < ROUNDS; round++) {
        const workers = Array.from({ length: WORKERS }, () => new Worker(body, { eval: true }));
        try {
          const ports = (await Promise.all(workers.map(nextMessage))) as number[];
          const echoing = workers.map(nextMessage);
          workers.forEach((w, i) => w.postMessage(ports[(i + 1) % WORKERS]));
          // Half the rounds wait for the ring to echo; the others terminate
          // while connections are still being made.
          if (round % 2 === 0) await Promise.all(echoing);
          else void Promise.allSettled(echoing);
          await Promise.all(
            workers.map(
              (w) =>
                new Promise<void>((resolve, reject) => {
                  setTimeout(
                    () => void w.terminate().then(() => resolve(), reject),
                    rng.int(0, 15),
                  );
                }),
            ),
          );
        } finally {
          await Promise.all(workers.map((w) => w.terminate()));
        }
      }
    });
    // The workers' fds (rings, eventfds, sockets) went with them.
    if (fdsBefore >= 0) expect(openFds()).toBe(fdsBefore);
    // The main thread's proactor still works.
    const proactor = new IocpProactor();
    const [l, a, b] = await tcpPair(proactor);
    try {
      const got = proactor.recv(b, 100);
      await proactor.send(a, Buffer.from('main alive'));
      expect((await got).toString()).toBe('main alive');
    } finally {
      for (const s of [l, a, b]) s.close();
      await proactor.close();
    }
  }, 120000); // About 9 s on Linux; worker start-up under Wine makes it 40 s or more.
});
