// Fault tests: a peer that resets. The peer is a Node `net` socket, whose
// resetAndDestroy() closes with SO_LINGER 0 (an RST), on every OS.
//  - A 16 MiB send is pending when the peer resets: it rejects with
//    ConnectionResetError or BrokenPipeError (which one is the OS's race),
//    and nothing hangs.
//  - A client connects and resets before (or while) accept runs: accept
//    still resolves (a socket that reads as reset or EOF) or rejects with an
//    OSError, and the next accept works. Runs on every backend.
import * as net from 'node:net';

import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionResetError,
  OSError,
} from '@iocp/futures';
import { IocpProactor, Socket } from '@iocp/proactor';

import { listener } from './helpers';

/** Connects a Node socket to addr; resolves once connected. */
function netConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resets a Node socket (SO_LINGER 0, then close) and waits until it is closed. */
function reset(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    s.once('close', () => resolve());
    s.resetAndDestroy();
  });
}

/** Waits until a Node socket is closed (after destroy()). */
function destroyed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.closed) resolve();
    else s.once('close', () => resolve());
    s.destroy();
  });
}

describe('a peer that resets', () => {
  let proactor: IocpProactor;
  const closeMe: Array<{ close(): unknown }> = [];
  const netSockets: net.Socket[] = [];

  beforeEach(() => {
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    for (const c of closeMe.splice(0)) c.close();
    await Promise.all(netSockets.splice(0).map(destroyed));
    await proactor.close();
  });

  async function acceptNet(lsock: Socket): Promise<[Socket, net.Socket]> {
    const accepted = proactor.accept(lsock);
    const peer = await netConnect((lsock.getsockname() as [string, number])[1]);
    netSockets.push(peer);
    const [conn] = await accepted;
    closeMe.push(conn);
    return [conn, peer];
  }

  it('a pending 16 MiB send rejects with ConnectionResetError or BrokenPipeError when the peer resets', async () => {
    const lsock = listener();
    closeMe.push(lsock);
    const [conn, peer] = await acceptNet(lsock);
    peer.pause(); // Reads nothing: the send stays pending.
    const sending = proactor.send(conn, Buffer.alloc(16 << 20, 0x5a));
    expect(sending.done()).toBe(false);
    await reset(peer);
    const error = await sending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OSError);
    expect([ConnectionResetError, BrokenPipeError].some((cls) => error instanceof cls)).toBe(true);
    // The connection is dead for good: a later send fails too, at once or soon.
    await expect(proactor.send(conn, Buffer.from('x'))).rejects.toBeInstanceOf(OSError);
  });

  it('a pending receive on the connection ends (reset or EOF) when the peer resets', async () => {
    const lsock = listener();
    closeMe.push(lsock);
    const [conn, peer] = await acceptNet(lsock);
    const reading = proactor.recv(conn, 100);
    await reset(peer);
    const outcome = await reading.then(
      (data) => data.length,
      (e: unknown) => e,
    );
    if (typeof outcome === 'number') expect(outcome).toBe(0);
    else expect(outcome).toBeInstanceOf(ConnectionResetError);
  });

  for (const order of ['before accept is called', 'while accept is pending'] as const) {
    it(`a client that connects and resets ${order}: accept resolves or fails cleanly, and the next accept works`, async () => {
      const lsock = listener();
      closeMe.push(lsock);
      const port = (lsock.getsockname() as [string, number])[1];
      let accepting = order === 'while accept is pending' ? proactor.accept(lsock) : null;
      const client = await netConnect(port);
      await reset(client);
      accepting ??= proactor.accept(lsock);
      const first = await accepting.then(
        (r) => r,
        (e: unknown) => e,
      );
      if (Array.isArray(first)) {
        // Linux keeps the reset connection in the queue: it reads as reset or EOF.
        const [gone] = first;
        closeMe.push(gone);
        const read = await proactor.recv(gone, 10).then(
          (d) => d.length,
          (e: unknown) => e,
        );
        if (typeof read === 'number') expect(read).toBe(0);
        else expect(read).toBeInstanceOf(ConnectionResetError);
      } else {
        expect(first).toBeInstanceOf(OSError);
        expect(
          first instanceof ConnectionResetError ||
            first instanceof ConnectionAbortedError ||
            (first as OSError).errno !== 0,
        ).toBe(true);
      }
      // The next accept works, and the connection echoes.
      const [conn, peer] = await acceptNet(lsock);
      const echoed = new Promise<string>((resolve) =>
        peer.once('data', (d) => resolve(d.toString())),
      );
      await proactor.send(conn, Buffer.from('next'));
      expect(await echoed).toBe('next');
    });
  }
});
