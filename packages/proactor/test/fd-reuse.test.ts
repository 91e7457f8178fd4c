// fd numbers reused after an outside close (issue 9, section 5), through the
// proactor: a socket or Event closed by other code while an operation is
// pending on it, then a new one that gets the same number. Linux only: there
// fds are reused lowest number first; Windows promises no handle reuse and
// completes a closed handle's operations itself.
import * as fs from 'node:fs';

import { native } from '@iocp/native';
import { Event, IocpProactor, Socket } from '@iocp/proactor';

import { openFds } from './helpers';

const describeLinux = process.platform === 'linux' ? describe : describe.skip;

/** Lets Node's loop run one whole turn (its prepare phase included). */
async function aLoopTurn(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

describeLinux('IocpProactor with fd numbers reused after an outside close', () => {
  let proactor: IocpProactor;
  let fdsBefore: number;
  const closeMe: Array<{ close(): unknown }> = [];

  beforeEach(() => {
    fdsBefore = openFds();
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    for (const c of closeMe.splice(0)) c.close();
    await proactor.close();
    expect(openFds()).toBe(fdsBefore);
  });

  it('a recv on a new socket that got the number of a closed one with a pending recv completes', async () => {
    const pair = native.socketPair(native.constants.AF_UNIX, native.constants.SOCK_STREAM);
    if (typeof pair === 'number') throw new Error(`socketPair: ${pair}`);
    // The old socket object is never closed by the test: its fd is gone.
    const old = new Socket('unix', 'stream', pair[0]);
    closeMe.push(new Socket('unix', 'stream', pair[1]));
    // Closed in the turn that started the recv: on io_uring its SQE is not
    // submitted yet, and must not reach the new socket.
    const oldRecv = proactor.recv(old, 100);
    expect(native.closeSocket(pair[0])).toBe(0);
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    expect(a.fileno()).toBe(pair[0]);
    // The data is there before the new socket's first recv: a stale recv
    // reaching the new socket would take it.
    expect(fs.writeSync(b.fileno(), 'to the new socket')).toBe(17);
    const got = proactor.recv(a, 100);
    expect((await got).toString()).toBe('to the new socket');
    await proactor.send(b, Buffer.from('and more'));
    expect((await proactor.recv(a, 100)).toString()).toBe('and more');
    // The old recv ended with an error, or ends when cancelled.
    oldRecv.cancel();
    await expect(oldRecv).rejects.toThrow();
  });

  it('a wait on a new Event that got the number of a closed one with a pending wait is signalled', async () => {
    const oldEvent = new Event();
    const oldWait = proactor.waitForHandle(oldEvent, 60000);
    const number = oldEvent.handle;
    // The wait reaches the kernel (io_uring submits once per loop turn; an fd
    // closed and reused in the turn that started a wait is the new file's by
    // the time it is submitted).
    await aLoopTurn();
    // Other code closes the eventfd (the Event object is never closed again).
    expect(native.closeHandle(number)).toBe(0);
    const event = new Event();
    closeMe.push(event);
    expect(event.handle).toBe(number);
    const waiting = proactor.waitForHandle(event, 5000);
    event.set();
    expect(await waiting).toBe(true);
    oldWait.cancel();
    await expect(oldWait).rejects.toThrow();
  });
});
