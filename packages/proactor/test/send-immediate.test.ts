// Sends that did not go pending: port of IocpProactor._register's short cut
// (windows_events.py: "The operation has completed, so no need to postpone
// the work"). On io_uring and epoll a send the socket takes whole, started
// while the proactor delivers a completion, is resolved before send()
// returns, and nothing arrives for it later; sends that wait keep their
// order behind it. IOCP completes every send through the port.
import { IocpProactor, Socket } from '@iocp/proactor';

import { proactorPerTest } from './helpers';

const isLinux = process.platform === 'linux';

describe('IocpProactor sends finished at once', () => {
  let proactor!: IocpProactor;
  const { closeMe } = proactorPerTest((p) => (proactor = p));

  it('a send started in a completion resolves at once on Linux, with its whole length', async () => {
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    // Started from the continuation of a completion (as an echo server does).
    await proactor.send(a, Buffer.from('ping'));
    const fut = proactor.send(a, Buffer.from('pong!'));
    expect(fut.done()).toBe(isLinux);
    expect(await fut).toBe(5);
    let got = '';
    while (got.length < 9) got += (await proactor.recv(b, 100)).toString();
    expect(got).toBe('pingpong!');
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  it('_sendNow (the transports\' send): the count of a send taken at once on Linux, else a future; order kept', async () => {
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    await proactor.send(a, Buffer.from('ping'));
    const first = proactor._sendNow(a, Buffer.from('pong!'));
    if (isLinux) expect(first).toBe(5);
    else expect(await first).toBe(5);
    // A list of views is one gathered send.
    const second = proactor._sendNow(a, [Buffer.from('a'), Buffer.from('bc')]);
    expect(typeof second === 'number' ? second : await second).toBe(3);
    // Bad input throws as send() does; a send that waits gives its future.
    expect(() => proactor._sendNow(a, 'x' as never)).toThrow(TypeError);
    a.setsockopt('SO_SNDBUF', 4096);
    const big = proactor._sendNow(a, Buffer.alloc(1024 * 1024, 1));
    expect(typeof big).toBe('object');
    const after = proactor._sendNow(a, Buffer.from('!'));
    expect(typeof after).toBe('object');
    let got = 0;
    const want = 4 + 5 + 3 + 1024 * 1024 + 1;
    let tail = '';
    while (got < want) {
      const chunk = await proactor.recv(b, 65536);
      got += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-2);
    }
    expect(await (big as Promise<number>)).toBe(1024 * 1024);
    expect(await (after as Promise<number>)).toBe(1);
    expect(tail).toBe('\u0001!');
  });

  it('sends behind a pending one keep their order', async () => {
    const [a, b] = Socket.pair();
    closeMe.push(a, b);
    a.setsockopt('SO_SNDBUF', 4096);
    await proactor.send(a, Buffer.from('x'));
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const first = proactor.send(a, big);
    const second = proactor.send(a, Buffer.from([2, 2, 2]));
    expect(first.done()).toBe(false);
    expect(second.done()).toBe(false);
    let got = Buffer.alloc(0);
    while (got.length < 1 + big.length + 3) {
      const chunk = await proactor.recv(b, 1024 * 1024);
      expect(chunk.length).toBeGreaterThan(0);
      got = Buffer.concat([got, chunk]);
    }
    expect(await first).toBe(big.length);
    expect(await second).toBe(3);
    expect(got[0]).toBe('x'.charCodeAt(0));
    expect(got.subarray(1, 1 + big.length).every((v) => v === 1)).toBe(true);
    expect(Array.from(got.subarray(1 + big.length))).toEqual([2, 2, 2]);
  });
});
