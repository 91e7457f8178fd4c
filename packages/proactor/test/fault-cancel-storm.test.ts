// Fault test: a cancellation storm. 10,000 operations (receives on one end
// of a TCP connection, sends of small sequence-tagged chunks on the other, a
// few waitForHandle and accept) are started and cancelled in a random order
// (a seeded PRNG; the seed is printed on failure, FAULT_SEED replays it)
// while data flows. Every byte sent is received exactly once or reported
// unsent: the expected stream is rebuilt from each send's outcome (resolved:
// the whole chunk; cancelled: nothing; an error after partial progress: a
// prefix, see the proactor README on sends) and compared with the bytes the
// resolved receives got, in completion order, plus a drain after the sender
// closes. Runs on every backend (IOCP under Wine included: CancelIoEx races
// a completion there as IORING_OP_ASYNC_CANCEL does on io_uring).
import type { Future, OSError } from '@iocp/futures';
import { Event, IocpProactor } from '@iocp/proactor';

import { Prng, chunk, outcome, runSeed, settleAll, turn, withSeed } from './fault-helpers';
import { listener, tcpPair } from './helpers';

const OPERATIONS = 10000;

interface SendRecord {
  seq: number;
  data: Buffer;
  fut: Future<number>;
}

/**
 * Checks `received` against the sends in issue order; returns null when it
 * matches, else a description of the first difference.
 */
function verify(received: Buffer, sends: SendRecord[]): string | null {
  let pos = 0;
  for (const s of sends) {
    const o = outcome(s.fut);
    if (o === 'cancelled') continue;
    if (o === 'result') {
      const got = received.subarray(pos, pos + s.data.length);
      if (!got.equals(s.data)) {
        return `send #${s.seq} (${s.data.length} bytes, resolved) does not match the stream at byte ${pos}: got ${got.toString('hex').slice(0, 64)}, expected ${s.data.toString('hex').slice(0, 64)}`;
      }
      pos += s.data.length;
      continue;
    }
    // Failed after an unknown part went out: the stream holds a prefix of it.
    let k = 0;
    while (k < s.data.length && pos + k < received.length && received[pos + k] === s.data[k]) k++;
    pos += k;
  }
  if (pos !== received.length)
    return `received ${received.length} bytes, the sends account for ${pos}`;
  return null;
}

describe('a cancellation storm', () => {
  it(`${OPERATIONS} operations started and cancelled at random while data flows: every byte once or reported unsent`, async () => {
    const seed = runSeed();
    const proactor = new IocpProactor();
    const [lsock, sender, receiver] = await tcpPair(proactor);
    const acceptor = listener();
    const event = new Event({ manualReset: true });
    const opened: Array<{ close(): unknown }> = [lsock, sender, receiver, acceptor, event];
    try {
      await withSeed(seed, async () => {
        const rng = new Prng(seed);
        // Small buffers so that sends go pending and can be cancelled in flight.
        sender.setsockopt('SO_SNDBUF', 4096);
        receiver.setsockopt('SO_RCVBUF', 4096);

        const sends: SendRecord[] = [];
        const recvs: Future<Buffer>[] = [];
        const others: Future<unknown>[] = [];
        const pending: Future<unknown>[] = [];
        const received: Buffer[] = [];
        let eof = false;
        const counts = {
          operations: 0,
          send: 0,
          recv: 0,
          waitForHandle: 0,
          accept: 0,
          cancelled: 0,
        };

        // Receives record their bytes in completion order (done callbacks
        // run in the order the futures were resolved).
        const recv = (nbytes: number): Future<Buffer> => {
          const fut = proactor.recv(receiver, nbytes);
          fut.addDoneCallback((f) => {
            if (f.cancelled() || f.exception() !== null) return;
            const data = f.result();
            if (data.length === 0) eof = true;
            else received.push(data);
          });
          recvs.push(fut);
          return fut;
        };

        while (counts.operations < OPERATIONS) {
          const r = rng.next();
          let fut: Future<unknown>;
          if (r < 0.45) {
            const seq = sends.length;
            const data = chunk(seq, rng.int(8, 300));
            const f = proactor.send(sender, data);
            sends.push({ seq, data, fut: f });
            fut = f;
            counts.send++;
          } else if (r < 0.9) {
            fut = recv(rng.int(1, 700));
            counts.recv++;
          } else if (r < 0.98) {
            fut = proactor.waitForHandle(event, rng.next() < 0.5 ? rng.int(0, 20) : undefined);
            others.push(fut);
            counts.waitForHandle++;
          } else {
            fut = proactor.accept(acceptor);
            others.push(fut);
            counts.accept++;
          }
          counts.operations++;
          pending.push(fut);
          // Cancel a random pending operation about as often as one starts.
          if (rng.next() < 0.6 && pending.length > 0) {
            const i = rng.int(0, pending.length - 1);
            const victim = pending[i];
            pending[i] = pending[pending.length - 1];
            pending.pop();
            victim.cancel();
          }
          if (rng.next() < 0.01) {
            if (event.isSet()) event.reset();
            else event.set();
          }
          // Let completions in now and then, so data flows during the storm.
          if (rng.next() < 0.05) await turn();
        }

        // The storm is over: waits and accepts end, sends finish as the
        // receiver drains, then the sender closes and the drain reads to EOF.
        const dbg = (m: string): void => {
          if (process.env.FAULT_DEBUG)
            process.stderr.write(
              `${m} sends pending ${sends.filter((s) => !s.fut.done()).length} recvs pending ${recvs.filter((f) => !f.done()).length} ${String(proactor)}\n`,
            );
        };
        dbg('storm over');
        for (const f of others) f.cancel();
        const sendsDone = (): boolean => sends.every((s) => s.fut.done());
        // Receives are kept pending until every send is done (the last one
        // may never complete: the storm's receives took the rest).
        const allSent = settleAll(sends.map((s) => s.fut));
        while (!sendsDone()) {
          const more = recv(65536);
          await Promise.race([allSent, settleAll([more])]);
        }
        dbg('sends done');
        sender.close();
        while (!eof) await recv(65536);
        dbg('eof');
        await settleAll([...recvs, ...others]);
        dbg('settled');

        for (const f of [...sends.map((s) => s.fut), ...recvs, ...others])
          if (f.cancelled()) counts.cancelled++;
        const stream = Buffer.concat(received);
        const problem = verify(stream, sends);
        const resolvedSends = sends.filter((s) => outcome(s.fut) === 'result').length;
        const failedSends = sends.filter((s) => outcome(s.fut) instanceof Error);
        console.log(
          `cancellation storm on ${proactor.backend} (seed ${seed}): ${counts.operations} operations ` +
            `(${counts.send} sends, ${counts.recv} receives, ${counts.waitForHandle} waitForHandle, ${counts.accept} accepts), ` +
            `${counts.cancelled} cancelled; ${resolvedSends} sends resolved, ${failedSends.length} failed after partial progress; ` +
            `${stream.length} bytes received, each exactly once`,
        );
        if (problem !== null && process.env.FAULT_DEBUG) {
          // Parse the stream into chunks by their tags.
          let pos = 0;
          const layout: string[] = [];
          while (pos < stream.length && layout.length < 40) {
            const seq = stream.readUInt32BE(pos);
            const s = sends[seq];
            if (s === undefined) {
              layout.push(`?@${pos}`);
              break;
            }
            let k = 0;
            while (k < s.data.length && pos + k < stream.length && stream[pos + k] === s.data[k])
              k++;
            const o = outcome(s.fut);
            layout.push(`#${seq}:${k}/${s.data.length}:${o instanceof Error ? o.message : o}`);
            pos += k;
            if (k < 4) break;
          }
          process.stderr.write(layout.join('\n') + '\n');
          process.stderr.write(
            sends
              .slice(0, 40)
              .map((s) => `${s.seq}:${String(outcome(s.fut))}`)
              .join(' ') + '\n',
          );
        }
        expect(problem).toBeNull();
        // A send cut after part of it went out says so with an OSError
        // (ECANCELED; Windows: ERROR_OPERATION_ABORTED), never a short count.
        for (const s of failedSends)
          expect((outcome(s.fut) as OSError).code).toMatch(/^(ECANCELED|ECONNRESET)$/);
      });
    } finally {
      for (const c of opened) c.close();
      await proactor.close();
    }
  }, 60000);
});
