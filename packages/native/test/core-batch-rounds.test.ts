// What JavaScript starts while it handles a batch and what finishes at once
// (an accept with a connection waiting, a no-op) comes back in the next
// round of the same delivery, before Node's loop moves on: on io_uring the
// drain submits and reaps again (UringBackend::kMaxDrainRounds), on epoll
// DeliverReady delivers what finished meanwhile without an eventfd wake-up
// (EpollBackend::kMaxDeliverRounds). So it comes before a setImmediate queued
// at the same time. IOCP hands every packet through its poller thread.
import { availableBackends } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, describeLinux, encode } from './helpers';

describeLinux.each(availableBackends())('batch rounds on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  /** Starts `start` inside a batch; says whether it completed before a setImmediate queued with it. */
  async function beforeImmediate(start: () => Promise<unknown>): Promise<boolean> {
    await t.run((c) => c.nop());
    let immediateRan = false;
    setImmediate(() => (immediateRan = true));
    await start();
    return !immediateRan;
  }

  it('a no-op started during a batch completes before the check phase', async () => {
    expect(await beforeImmediate(() => t.run((c) => c.nop()))).toBe(true);
  });

  it('an accept of a waiting connection started during a batch completes before the check phase', async () => {
    const l = t.listener();
    const client = t.socket(C.AF_INET, C.SOCK_STREAM);
    expect((await t.run((c) => c.connect(client, encode(C.AF_INET, '127.0.0.1', l.port), C.AF_INET))).result).toBe(0);
    let accepted = -1;
    const early = await beforeImmediate(async () => {
      accepted = (await t.run((c) => c.accept(l.handle, C.AF_INET))).result;
    });
    expect(accepted).toBeGreaterThanOrEqual(0);
    t.adopt(accepted);
    expect(early).toBe(true);
  });
});
