// Reads that follow a short read. The epoll backend remembers, per handle,
// whether a read may find data (a short read of a byte stream emptied the
// queue; an edge says new data came) and posts the next read without a
// syscall when it cannot. These cases must still get every byte, at once,
// on every backend: data already queued when the read is posted, a peek
// that leaves the data queued, datagrams after a short one, and EOF.
import { native } from '@iocp/native';
import { Socket } from '@iocp/proactor';

import { proactorPerTest, within } from './helpers';

const { MSG_PEEK } = native.constants;

describe('IocpProactor reads after a short read', () => {
  const t = proactorPerTest();
  const { closeMe } = t;
  const pair = (): Promise<[Socket, Socket]> => t.tcp();

  test('a read posted after a short read gets data that arrived in between', async () => {
    const [client, server] = await pair();
    await t.proactor.send(client, Buffer.from('first'));
    expect((await t.proactor.recv(server, 1024)).toString()).toBe('first');
    // The peer's next bytes are queued before the read is posted: no edge
    // comes for them after the post, so the read must find them itself.
    await t.proactor.send(client, Buffer.from('second'));
    await new Promise((r) => setTimeout(r, 50));
    expect((await within(2000, 'recv', t.proactor.recv(server, 1024))).toString()).toBe('second');
  });

  test('a full read leaves the rest readable at once', async () => {
    const [client, server] = await pair();
    await t.proactor.send(client, Buffer.from('abcdefgh'));
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.proactor.recv(server, 4)).toString()).toBe('abcd');
    expect((await within(2000, 'recv', t.proactor.recv(server, 4))).toString()).toBe('efgh');
  });

  test('a short peek leaves the data for the next read', async () => {
    const [client, server] = await pair();
    await t.proactor.send(client, Buffer.from('peekaboo'));
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.proactor.recv(server, 1024, MSG_PEEK)).toString()).toBe('peekaboo');
    expect((await within(2000, 'recv', t.proactor.recv(server, 1024))).toString()).toBe('peekaboo');
  });

  test('EOF after a short read is reported to every later read', async () => {
    const [client, server] = await pair();
    await t.proactor.send(client, Buffer.from('last words'));
    expect((await t.proactor.recv(server, 1024)).toString()).toBe('last words');
    client.shutdown('write');
    expect((await within(2000, 'recv', t.proactor.recv(server, 1024))).length).toBe(0);
    expect((await within(2000, 'recv', t.proactor.recv(server, 1024))).length).toBe(0);
  });

  test('EOF that came with the last data is reported after the short read of that data', async () => {
    const [client, server] = await pair();
    // A first exchange registers the server socket with the backend.
    await t.proactor.send(client, Buffer.from('hello'));
    expect((await t.proactor.recv(server, 1024)).toString()).toBe('hello');
    await t.proactor.send(client, Buffer.from('data then end'));
    client.shutdown('write');
    // The end's edge is seen (and spent) before the data is read.
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.proactor.recv(server, 1024)).toString()).toBe('data then end');
    expect((await within(2000, 'recv', t.proactor.recv(server, 1024))).length).toBe(0);
  });

  test('a client connected through the proactor reads what its server sends, short read after short read', async () => {
    const [client, server] = await pair();
    for (const word of ['one', 'two', 'three']) {
      await t.proactor.send(server, Buffer.from(word));
      expect((await within(2000, 'recv', t.proactor.recv(client, 1024))).toString()).toBe(word);
    }
    server.shutdown('write');
    expect((await within(2000, 'recv', t.proactor.recv(client, 1024))).length).toBe(0);
  });

  test('datagrams queued behind a short one are read without a new edge', async () => {
    const a = new Socket('inet', 'dgram');
    const b = new Socket('inet', 'dgram');
    closeMe.push(a, b);
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    const to = a.getsockname();
    await t.proactor.sendto(b, Buffer.from('one'), 0, to);
    await t.proactor.sendto(b, Buffer.from('two'), 0, to);
    await t.proactor.sendto(b, Buffer.from('three'), 0, to);
    await new Promise((r) => setTimeout(r, 50));
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [data] = await within(2000, 'recvfrom', t.proactor.recvfrom(a, 1024));
      got.push(data.toString());
    }
    expect(got).toEqual(['one', 'two', 'three']);
  });

  test('a connected datagram socket read with recv() keeps reading queued datagrams', async () => {
    const a = new Socket('inet', 'dgram');
    const b = new Socket('inet', 'dgram');
    closeMe.push(a, b);
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    await t.proactor.connect(a, b.getsockname());
    await t.proactor.connect(b, a.getsockname());
    await t.proactor.send(b, Buffer.from('x'));
    await t.proactor.send(b, Buffer.from('y'));
    await new Promise((r) => setTimeout(r, 50));
    expect((await within(2000, 'recv', t.proactor.recv(a, 1024))).toString()).toBe('x');
    expect((await within(2000, 'recv', t.proactor.recv(a, 1024))).toString()).toBe('y');
  });
});
