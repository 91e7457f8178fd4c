// Socket operations of the completion core, on every backend this process
// can start (io_uring and epoll on Linux, iocp on Windows and under Wine).
// Several cases port IocpProactor-level tests of CPython's
// Lib/test/test_asyncio/test_windows_events.py.
import * as fs from 'node:fs';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { C, Harness, codeOf, encode, isLinux, itLinux, openFds, portOf } from './helpers';

describe.each(availableBackends())('socket operations on %s', (backend: BackendName) => {
  let t: Harness;

  beforeEach(() => {
    t = new Harness(backend);
  });

  afterEach(async () => {
    await t.dispose();
  });

  it('send and recv move the bytes across a connected pair', async () => {
    const [a, b] = t.pair();
    const receiving = t.recv(b, 100);
    const sent = await t.run((c) => c.send(a, Buffer.from('hello, proactor')));
    expect(sent.result).toBe(15);
    const { result, data } = await receiving;
    expect(result).toBe(15);
    expect(data.toString()).toBe('hello, proactor');
  });

  // Port of ProactorTests.test_close: a pending recv sees the peer go away.
  it('recv resolves to 0 when the peer closes', async () => {
    const [a, b] = t.pair();
    const receiving = t.recv(b, 100);
    // Make sure the recv is in the kernel before the peer closes.
    await t.run((c) => c.nop());
    t.closeSocket(a);
    expect((await receiving).result).toBe(0);
  });

  it('a cancelled pending recv completes cancelled, and a later recv still gets later data', async () => {
    const [a, b] = t.pair();
    const first = t.start((c) => c.recv(b, Buffer.alloc(16)));
    expect(t.core.cancel(first.id)).toBe(true);
    expect(codeOf((await first.done).result)).toBe('ECANCELED');
    expect(t.core.cancel(first.id)).toBe(false);
    const second = t.recv(b, 16);
    await t.sendAll(a, Buffer.from('late'));
    expect((await second).data.toString()).toBe('late');
  });

  it('a recv whose data is already there keeps its data when cancelled at once', async () => {
    const [a, b] = t.pair();
    await t.sendAll(a, Buffer.from('ready'));
    // A peek completes only once the bytes have arrived, and leaves them.
    expect((await t.recv(b, 16, C.MSG_PEEK)).result).toBe(5);
    const op = t.start((c) => c.recv(b, Buffer.alloc(16)));
    t.core.cancel(op.id);
    // The completion raced the cancel and won: its real result is delivered.
    expect((await op.done).result).toBe(5);
  });

  it('queued recvs on one socket complete in submission order', async () => {
    const [a, b] = t.pair();
    const first = t.recv(b, 1);
    const second = t.recv(b, 1);
    await t.run((c) => c.nop());
    await t.sendAll(a, Buffer.from('x'));
    expect((await first).data.toString()).toBe('x');
    await t.sendAll(a, Buffer.from('y'));
    expect((await second).data.toString()).toBe('y');
  });

  it('close() with 1,000 pending operations completes them all cancelled and releases the backend', async () => {
    const before = openFds();
    const local = new Harness(backend);
    const e = local.event();
    const done: Promise<{ result: number }>[] = [];
    // Recvs on 50 sockets, and waits with and without a timeout.
    for (let p = 0; p < 50; p++) {
      const [, b] = local.pair();
      for (let i = 0; i < 10; i++) done.push(local.run((c) => c.recv(b, Buffer.alloc(1))));
    }
    for (let i = 0; i < 500; i++)
      done.push(local.run((c) => c.waitHandle(e, i % 2 === 0 ? -1 : 60000)));
    expect(local.core.pending).toBe(1000);
    expect(local.core.close()).toBe(false);
    expect(local.core.closed).toBe(true);
    const results = await Promise.all(done);
    expect(results.map((r) => codeOf(r.result)).filter((c) => c !== 'ECANCELED')).toEqual([]);
    expect(local.core.pending).toBe(0);
    expect(local.core.close()).toBe(true);
    expect(() => local.core.nop()).toThrow('Core is closed');
    await local.dispose();
    // The ring or epoll set, and every descriptor behind it, is gone.
    if (isLinux) expect(openFds()).toBe(before);
  });

  it('connect to a port where nobody listens fails with ECONNREFUSED', async () => {
    // A bound socket that does not listen holds the port meanwhile.
    const holder = t.socket();
    expect(native.bind(holder, encode(C.AF_INET, '127.0.0.1', 0))).toBe(0);
    const client = t.socket();
    const r = await t.run((c) =>
      c.connect(client, encode(C.AF_INET, '127.0.0.1', portOf(holder)), C.AF_INET),
    );
    expect(codeOf(r.result)).toBe('ECONNREFUSED');
  });

  it('accept takes 200 concurrent connections, each with its peer address', async () => {
    const n = 200;
    const l = t.listener();
    const accepts = Array.from({ length: n }, () => t.run((c) => c.accept(l.handle, C.AF_INET)));
    const clients = Array.from({ length: n }, () => t.socket());
    const connects = await Promise.all(
      clients.map((s) => t.run((c) => c.connect(s, l.address, C.AF_INET))),
    );
    expect(connects.map((r) => codeOf(r.result)).filter((c) => c !== 'OK')).toEqual([]);
    const accepted = await Promise.all(accepts);
    const handles = accepted.map((r) => r.result);
    for (const h of handles) {
      expect(h).toBeGreaterThan(0);
      t.adopt(h);
    }
    expect(new Set(handles).size).toBe(n);
    const clientPorts = new Set(clients.map(portOf));
    for (const r of accepted) {
      expect(Array.isArray(r.address)).toBe(true);
      const [host, port] = r.address as [string, number];
      expect(host).toBe('127.0.0.1');
      expect(clientPorts.has(port)).toBe(true);
    }
    // Each accepted socket talks to its own client.
    const [h0] = handles;
    const peer = clients.find((s) => portOf(s) === (accepted[0].address as [string, number])[1])!;
    await t.sendAll(peer, Buffer.from('first'));
    expect((await t.recv(h0, 16)).data.toString()).toBe('first');
  });

  it('a cancelled accept completes cancelled, and the listener still accepts later', async () => {
    const l = t.listener();
    const first = t.start((c) => c.accept(l.handle, C.AF_INET));
    await t.run((c) => c.nop());
    t.core.cancel(first.id);
    expect(codeOf((await first.done).result)).toBe('ECANCELED');
    const second = t.run((c) => c.accept(l.handle, C.AF_INET));
    const client = t.socket();
    expect((await t.run((c) => c.connect(client, l.address, C.AF_INET))).result).toBe(0);
    const r = await second;
    expect(r.result).toBeGreaterThan(0);
    t.adopt(r.result);
  });

  it('sendTo and recvFrom carry a datagram and decode the sender address', async () => {
    const receiver = t.udp();
    const sender = t.udp();
    const buf = Buffer.alloc(64);
    const got = t.run((c) => c.recvFrom(receiver.handle, buf));
    const sent = await t.run((c) =>
      c.sendTo(sender.handle, Buffer.from('ping'), 0, receiver.address),
    );
    expect(sent.result).toBe(4);
    const r = await got;
    expect(r.result).toBe(4);
    expect(buf.subarray(0, 4).toString()).toBe('ping');
    expect(r.address).toEqual(['127.0.0.1', sender.port]);
  });

  it('internal work (link timeouts, sendfile steps) never adds completions', async () => {
    const e = t.event();
    const waited = t.run((c) => c.waitHandle(e, 60000));
    native.eventSet(e);
    expect((await waited).result).toBe(1);
    expect((await t.run((c) => c.waitHandle(e, 60000))).result).toBe(1);
    await t.run((c) => c.nop());
    expect([...t.seen.values()].every((n) => n === 1)).toBe(true);
    expect(t.strays).toEqual([]);
  });

  itLinux('acceptPipe is refused at once: Linux pipes are Unix sockets and use accept', () => {
    const [a] = t.pair();
    expect(codeOf(t.core.acceptPipe(a))).toBe('ENOSYS');
  });

  itLinux('read and write work on a socket (a pipe-like stream)', async () => {
    const [a, b] = t.pair();
    const buf = Buffer.alloc(8);
    const reading = t.run((c) => c.read(b, buf));
    expect((await t.run((c) => c.write(a, Buffer.from('stream')))).result).toBe(6);
    expect((await reading).result).toBe(6);
    expect(buf.subarray(0, 6).toString()).toBe('stream');
  });

  itLinux('Unix datagram sockets report the sender path', async () => {
    const dir = `/tmp/iocp-native-${process.pid}-${Date.now()}`;
    const paths = [`${dir}-r.sock`, `${dir}-s.sock`];
    t.defer(() => paths.forEach((p) => fs.rmSync(p, { force: true })));
    const [r, s] = [t.socket(C.AF_UNIX, C.SOCK_DGRAM), t.socket(C.AF_UNIX, C.SOCK_DGRAM)];
    expect(native.bind(r, encode(C.AF_UNIX, paths[0], 0))).toBe(0);
    expect(native.bind(s, encode(C.AF_UNIX, paths[1], 0))).toBe(0);
    const buf = Buffer.alloc(16);
    const got = t.run((c) => c.recvFrom(r, buf));
    expect(
      (await t.run((c) => c.sendTo(s, Buffer.from('unix'), 0, encode(C.AF_UNIX, paths[0], 0))))
        .result,
    ).toBe(4);
    const res = await got;
    expect(res.result).toBe(4);
    expect(res.address).toBe(paths[1]);
  });

  itLinux('an operation on an fd that is not open fails with EBADF', async () => {
    const r = await t.run((c) => c.recv(1_000_000, Buffer.alloc(4)));
    expect(codeOf(r.result)).toBe('EBADF');
  });
});
