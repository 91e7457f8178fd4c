// fd numbers reused after an outside close (issue 9, section 5): when other
// code closes an fd while an operation is pending on it, and a new socket or
// eventfd gets the same number, nothing the backend kept for the old file may
// hold up the new one, and the old operation completes with an error (or when
// cancelled) without leaking. Linux only: Windows hands out handle values
// with no promise of reuse, and closing a handle there completes its
// operations itself.
import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, codeOf, describeLinux, openFds } from './helpers';

describeLinux.each(availableBackends())('fd numbers reused after an outside close on %s', (backend: BackendName) => {
  let t: Harness;
  let fdsBefore: number;
  /** Handles this test still has to close (the ones not closed behind the core's back). */
  const open = new Set<number>();

  beforeEach(() => {
    fdsBefore = openFds();
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
    for (const h of open) native.closeHandle(h);
    open.clear();
    // Nothing was leaked for the old files (a kernel request that still
    // held one would keep no fd, but the backend's own duplicates would).
    expect(openFds()).toBe(fdsBefore);
  });

  /** A socketpair whose ends are associated with the core and closed by the test. */
  function pair(): [number, number] {
    const r = native.socketPair(C.AF_UNIX, C.SOCK_STREAM);
    if (typeof r === 'number') throw new Error(`socketPair: ${codeOf(r)}`);
    for (const s of r) {
      open.add(s);
      expect(t.core.associate(s)).toBe(0);
    }
    return r;
  }

  /** Closes h as other code would: no cancel, no detach. */
  function closeBehindTheBack(h: number): void {
    open.delete(h);
    expect(native.closeHandle(h)).toBe(0);
  }

  function event(): number {
    const e = native.eventCreate(true, false);
    expect(e).toBeGreaterThanOrEqual(0);
    open.add(e);
    return e;
  }

  it('a socket that gets the number of a closed one with a pending recv and send works', async () => {
    const [a, b] = pair();
    const oldRecv = t.start((c) => c.recv(a, Buffer.alloc(100)));
    // A send that cannot complete: nobody reads b.
    expect(native.setsockopt(a, C.SOL_SOCKET, C.SO_SNDBUF, 16384)).toBe(0);
    const oldSend = t.start((c) => c.send(a, Buffer.alloc(4 * 1024 * 1024, 1)));
    await t.run((c) => c.nop());
    closeBehindTheBack(a);
    const [c2, d] = pair();
    expect(c2).toBe(a);
    const received = t.recv(c2, 100);
    expect((await t.run((c) => c.send(d, Buffer.from('to the new socket')))).result).toBe(17);
    expect((await received).data.toString()).toBe('to the new socket');
    expect((await t.run((c) => c.send(c2, Buffer.from('from it')))).result).toBe(7);
    expect((await t.recv(d, 100)).data.toString()).toBe('from it');
    // The old operations end with an error (at once, or when cancelled).
    t.core.cancel(oldRecv.id);
    t.core.cancel(oldSend.id);
    expect((await oldRecv.done).result).toBeLessThan(0);
    expect((await oldSend.done).result).toBeLessThan(0);
    void b;
  });

  it('ops started in the turn their socket is closed and its number reused never reach the new socket', async () => {
    const [a, b] = pair();
    // The receive waits (io_uring: queued for the ring, submitted at the end
    // of this turn); the send is tried at once (the loop is quiet: no large
    // batch came before it).
    const oldRecv = t.start((c) => c.recv(a, Buffer.alloc(100)));
    const oldSend = t.start((c) => c.send(a, Buffer.from('for the old peer')));
    closeBehindTheBack(a);
    const [c2, d] = pair();
    expect(c2).toBe(a);
    expect((await t.run((c) => c.send(c2, Buffer.from('from the new socket')))).result).toBe(19);
    expect((await t.recv(d, 100)).data.toString()).toBe('from the new socket');
    t.core.cancel(oldRecv.id);
    t.core.cancel(oldSend.id);
    expect((await oldRecv.done).result).toBeLessThan(0);
    // It went out before the close, to the old peer.
    expect((await oldSend.done).result).toBe(16);
    expect((await t.recv(b, 100)).data.toString()).toBe('for the old peer');
  });

  it('a send held after a large batch, its socket closed and its number reused, never reaches the new socket', async () => {
    const [a, b] = pair();
    // A batch of three: small sends made in its JavaScript are held
    // (core-held-sends.test.ts).
    await Promise.all([t.run((c) => c.nop()), t.run((c) => c.nop()), t.run((c) => c.nop())]);
    const oldSend = t.start((c) => c.send(a, Buffer.from('for the old peer')));
    closeBehindTheBack(a);
    const [c2, d] = pair();
    expect(c2).toBe(a);
    const sent = (await oldSend.done).result;
    // epoll: the new socket's registration finished the old queue; io_uring:
    // the SQE found the number closed, or (reused by then) was refused for
    // it. Either way nothing was sent.
    expect(sent).toBeLessThan(0);
    expect((await t.run((c) => c.send(c2, Buffer.from('from the new socket')))).result).toBe(19);
    expect((await t.recv(d, 100)).data.toString()).toBe('from the new socket');
    expect((await t.recv(b, 100)).result).toBe(0);
  });

  it('an eventfd that gets the number of a closed one with a pending wait can be waited on', async () => {
    const e1 = event();
    const oldWait = t.start((c) => c.waitHandle(e1, 60000));
    await t.run((c) => c.nop());
    closeBehindTheBack(e1);
    const e2 = event();
    expect(e2).toBe(e1);
    const waiting = t.run((c) => c.waitHandle(e2, 5000));
    await t.run((c) => c.nop());
    expect(native.eventSet(e2)).toBe(0);
    expect((await waiting).result).toBe(1);
    t.core.cancel(oldWait.id);
    expect((await oldWait.done).result).toBeLessThan(0);
  });
});
