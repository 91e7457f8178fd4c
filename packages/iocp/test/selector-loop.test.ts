// SelectorEventLoop: the transport, server, datagram, pipe, subprocess and
// streams API on Node's net, dgram and child_process (ports of
// test_selector_events.py's behaviour, against real sockets).
import * as fs from 'node:fs';
import * as net from 'node:net';

import { ConnectionRefusedError, FileNotFoundError, PermissionError, sleep } from '@iocp/futures';
import { openConnection, startServer } from '@iocp/proactor';
import type { SubprocessProtocol, Transport } from '@iocp/proactor';
import { SelectorEventLoop, SelectorServer } from 'iocp';

import { DatagramRecorder, Recorder, closeLoops, isWindows, isWine, pipeAddress, track } from './helpers';

afterEach(closeLoops);

function newLoop(): SelectorEventLoop {
  return track(new SelectorEventLoop());
}

/** A TCP port nobody listens on (bound by Node, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('SelectorEventLoop: TCP through protocols', () => {
  test('createServer and createConnection echo bytes; extra info has the addresses; close brings connectionLost(null)', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const server = await loop.createServer(() => new Recorder(true), '127.0.0.1', 0);
      expect(server).toBeInstanceOf(SelectorServer);
      expect(server.isServing()).toBe(true);
      const [host, port] = server.sockets[0].getsockname() as [string, number];
      expect(host).toBe('127.0.0.1');
      const [transport, client] = await loop.createConnection(() => new Recorder(), host, port);
      expect(client.events).toEqual(['made']);
      expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
      expect((transport.getExtraInfo('sockname') as [string, number])[0]).toBe('127.0.0.1');
      transport.write(Buffer.from('hello '));
      transport.writelines([Buffer.from('selector'), Buffer.from(' loop')]);
      await client.received(19);
      expect(client.data.toString()).toBe('hello selector loop');
      transport.close();
      expect(transport.isClosing()).toBe(true);
      expect(await client.lost).toBeNull();
      server.close();
      await server.waitClosed();
      expect(server.sockets).toEqual([]);
    });
  });

  test('writeEof: the server sees eofReceived, answers, and the client reads to EOF', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      let serverSide: Recorder | null = null;
      const server = await loop.createServer(() => {
        const r = new Recorder();
        r.eofReceived = function (this: Recorder): boolean {
          this.events.push('eof');
          this.transport?.write(Buffer.from(`got ${this.size}`));
          this.transport?.close();
          return true;
        };
        serverSide = r;
        return r;
      }, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      expect(transport.canWriteEof()).toBe(true);
      transport.write(Buffer.from('12345'));
      transport.writeEof();
      expect(await client.lost).toBeNull();
      expect(client.data.toString()).toBe('got 5');
      expect(client.events).toEqual(['made', 'eof', 'lost']);
      expect((serverSide as unknown as Recorder).events).toContain('eof');
      server.close();
      await server.waitClosed();
    });
  });

  test('close() right after a large write and writeEof still delivers every byte, then EOF', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const receiver = new Recorder();
      const server = await loop.createServer(() => receiver, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      const size = 4 * 1024 * 1024;
      transport.write(Buffer.alloc(size, 1));
      transport.writeEof();
      transport.close();
      expect(await client.lost).toBeNull();
      await receiver.lost;
      expect(receiver.size).toBe(size);
      expect(receiver.events).toEqual(['made', 'eof', 'lost']);
      server.close();
      await server.waitClosed();
    });
  });

  test('pauseReading holds data back and resumeReading delivers it, nothing lost', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const server = await loop.createServer(() => new Recorder(true), '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      transport.pauseReading();
      expect(transport.isReading()).toBe(false);
      transport.write(Buffer.from('abc'));
      await sleep(50);
      expect(client.size).toBe(0);
      transport.resumeReading();
      expect(transport.isReading()).toBe(true);
      await client.received(3);
      expect(client.data.toString()).toBe('abc');
      transport.close();
      await client.lost;
      server.close();
      await server.waitClosed();
    });
  });

  test('flow control: a large write calls pauseWriting, and resumeWriting follows once it drained', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const receiver = new Recorder();
      const server = await loop.createServer(() => receiver, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      transport.setWriteBufferLimits({ high: 1024 });
      expect(transport.getWriteBufferLimits()).toEqual([256, 1024]);
      const size = 8 * 1024 * 1024;
      transport.write(Buffer.alloc(size, 7));
      expect(client.pauses).toBe(1);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(1024);
      await receiver.received(size);
      for (let i = 0; i < 100 && client.resumes === 0; i++) await sleep(1);
      expect(client.resumes).toBe(1);
      expect(transport.getWriteBufferSize()).toBe(0);
      transport.close();
      await client.lost;
      server.close();
      await server.waitClosed();
    });
  });

  test('a refused connection rejects with ConnectionRefusedError (of @iocp/futures)', async () => {
    const loop = newLoop();
    const port = await closedPort();
    await expect(loop.runUntilComplete(() => loop.createConnection(() => new Recorder(), '127.0.0.1', port))).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });

  test('server.close() stops listening but keeps accepted connections; waitClosed waits for them', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const accepted: Recorder[] = [];
      const server = await loop.createServer(() => {
        const r = new Recorder(true);
        accepted.push(r);
        return r;
      }, '127.0.0.1', 0);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
      await sleep(10);
      server.close();
      let closed = false;
      const waiting = server.waitClosed().then(() => (closed = true));
      transport.write(Buffer.from('still here'));
      await client.received(10);
      expect(closed).toBe(false);
      await expect(loop.createConnection(() => new Recorder(), '127.0.0.1', port)).rejects.toBeInstanceOf(ConnectionRefusedError);
      transport.close();
      await waiting;
      expect(closed).toBe(true);
      expect(accepted).toHaveLength(1);
    });
  });

  test('serveForever ends with CancelledError when its task is cancelled, and the server is closed', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0, { startServing: false });
      expect(server.isServing()).toBe(false);
      const task = loop.createTask(() => server.serveForever());
      await sleep(0);
      expect(server.isServing()).toBe(true);
      task.cancel();
      await expect(task).rejects.toThrow();
      expect(task.cancelled()).toBe(true);
      expect(server.sockets).toEqual([]);
    });
  });

  test('the sock* methods throw Error naming SelectorEventLoop', () => {
    const loop = newLoop();
    for (const name of ['sockRecv', 'sockRecvInto', 'sockSendall', 'sockConnect', 'sockAccept', 'sockSendto', 'sockSendfile'] as const) {
      expect(() => (loop[name] as () => unknown)()).toThrow(/not supported by SelectorEventLoop/);
    }
  });
});

describe('SelectorEventLoop: streams of @iocp/proactor', () => {
  test('startServer and openConnection with the selector loop running echo a line', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const server = await startServer(async (reader, writer) => {
        const line = await reader.readline();
        writer.write(Buffer.from(line.toString().toUpperCase()));
        await writer.drain();
        writer.close();
        await writer.waitClosed();
      }, '127.0.0.1', 0);
      expect(server).toBeInstanceOf(SelectorServer);
      const port = (server.sockets[0].getsockname() as [string, number])[1];
      const [reader, writer] = await openConnection('127.0.0.1', port, { loop });
      writer.write(Buffer.from('hello streams\n'));
      expect((await reader.read()).toString()).toBe('HELLO STREAMS\n');
      expect((await reader.read()).length).toBe(0);
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    });
  });
});

describe('SelectorEventLoop: datagrams', () => {
  test('createDatagramEndpoint: an echo server and a connected client', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const [st, serverProto] = await loop.createDatagramEndpoint(() => new DatagramRecorder(true), { localAddr: ['127.0.0.1', 0] });
      const addr = st.getExtraInfo('sockname') as [string, number];
      const [ct, clientProto] = await loop.createDatagramEndpoint(() => new DatagramRecorder(), { remoteAddr: addr });
      expect(ct.getExtraInfo('peername')).toEqual(addr);
      ct.sendto(Buffer.from('ping'));
      ct.sendto(Buffer.from('pong'));
      await clientProto.count(2);
      expect(clientProto.datagrams.map(([d]) => d.toString())).toEqual(['ping', 'pong']);
      expect(serverProto.datagrams[0][1]).toEqual(ct.getExtraInfo('sockname'));
      expect(() => ct.sendto(Buffer.from('x'), ['127.0.0.1', 1])).toThrow(/Invalid address/);
      ct.close();
      st.close();
      expect(await clientProto.lost).toBeNull();
      expect(await serverProto.lost).toBeNull();
    });
  });

  test('reuseAddress: true is refused, as CPython 3.8+', async () => {
    const loop = newLoop();
    await expect(loop.createDatagramEndpoint(() => new DatagramRecorder(), { reuseAddress: true })).rejects.toThrow(/no longer supported/);
  });
});

describe('SelectorEventLoop: pipes', () => {
  test('startServingPipe and createPipeConnection echo over a named pipe; getExtraInfo(addr) is the name', async () => {
    const loop = newLoop();
    const address = pipeAddress('sel');
    await loop.runUntilComplete(async () => {
      const [server] = await loop.startServingPipe(() => new Recorder(true), address);
      expect(server.address).toBe(address);
      expect(server.closed()).toBe(false);
      const [transport, client] = await loop.createPipeConnection(() => new Recorder(), address);
      expect(transport.getExtraInfo('addr')).toBe(address);
      transport.write(Buffer.from('over the pipe'));
      await client.received(13);
      expect(client.data.toString()).toBe('over the pipe');
      transport.close();
      await client.lost;
      server.close();
      expect(server.closed()).toBe(true);
      await server.waitClosed();
    });
  });

  test('with no server, createPipeConnection rejects with FileNotFoundError', async () => {
    const loop = newLoop();
    await expect(loop.runUntilComplete(() => loop.createPipeConnection(() => new Recorder(), pipeAddress('none')))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
  });

  // Not under Wine: it does not refuse a second first-instance pipe server.
  if (!isWine) {
    test('a second server on a live name is refused with PermissionError', async () => {
      const loop = newLoop();
      const address = pipeAddress('sel2');
      await loop.runUntilComplete(async () => {
        const [server] = await loop.startServingPipe(() => new Recorder(), address);
        await expect(loop.startServingPipe(() => new Recorder(), address)).rejects.toBeInstanceOf(PermissionError);
        server.close();
        await server.waitClosed();
      });
    });
  }

  // Linux only: Windows named pipes have no file mode.
  if (!isWindows) {
    test('the socket is owner-only (0600) in the private folder, like @iocp/pipes', async () => {
    const loop = newLoop();
    const address = pipeAddress('mode');
    const { pipePath } = await import('@iocp/proactor');
    await loop.runUntilComplete(async () => {
      const [server] = await loop.startServingPipe(() => new Recorder(), address);
      expect(fs.statSync(pipePath(address)).mode & 0o777).toBe(0o600);
      server.close();
      await server.waitClosed();
    });
  });
  }
});

/** A SubprocessProtocol that collects the child's output (asyncio's communicate, by hand). */
class Collector implements SubprocessProtocol {
  readonly out: Buffer[] = [];
  readonly err: Buffer[] = [];
  readonly events: string[] = [];
  readonly done: Promise<void>;
  private _done!: () => void;
  constructor() {
    this.done = new Promise((r) => (this._done = r));
  }
  connectionMade(): void {
    this.events.push('made');
  }
  pipeDataReceived(fd: number, data: Buffer): void {
    (fd === 1 ? this.out : this.err).push(data);
  }
  pipeConnectionLost(fd: number): void {
    this.events.push(`pipe ${fd} lost`);
  }
  processExited(): void {
    this.events.push('exited');
  }
  connectionLost(): void {
    this.events.push('lost');
    this._done();
  }
}

describe('SelectorEventLoop: subprocesses', () => {
  const echoScript = "process.stdin.on('data', (d) => process.stdout.write(d.toString().toUpperCase())); process.stdin.on('end', () => { process.stderr.write('bye'); process.exitCode = 3; });";

  test('subprocessExec: write stdin, close it, read stdout and stderr to the end, the return code (communicate)', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const [transport, proto] = await loop.subprocessExec(() => new Collector(), [process.execPath, '-e', echoScript]);
      expect(transport.getPid()).toBeGreaterThan(0);
      expect(transport.getReturncode()).toBeNull();
      const stdin = transport.getPipeTransport(0) as Transport;
      stdin.write(Buffer.from('communicate'));
      stdin.close();
      await proto.done;
      expect(Buffer.concat(proto.out).toString()).toBe('COMMUNICATE');
      expect(Buffer.concat(proto.err).toString()).toBe('bye');
      expect(transport.getReturncode()).toBe(3);
      expect(proto.events[0]).toBe('made');
      expect(proto.events).toContain('exited');
      expect(proto.events.at(-1)).toBe('lost');
      transport.close();
    });
  });

  test('subprocessShell runs the command through the shell', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const [transport, proto] = await loop.subprocessShell(() => new Collector(), 'echo shell-ok', { stdin: 'ignore' });
      await proto.done;
      expect(Buffer.concat(proto.out).toString().trim()).toBe('shell-ok');
      expect(transport.getReturncode()).toBe(0);
      transport.close();
    });
  });

  test('a missing program rejects with FileNotFoundError', async () => {
    const loop = newLoop();
    await expect(loop.runUntilComplete(() => loop.subprocessExec(() => new Collector(), ['/nonexistent/iocp-no-such-program']))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
  });

  test('kill() ends a running child; on Linux the return code is -SIGKILL', async () => {
    const loop = newLoop();
    await loop.runUntilComplete(async () => {
      const [transport, proto] = await loop.subprocessExec(() => new Collector(), [process.execPath, '-e', 'setInterval(() => {}, 1000)']);
      transport.kill();
      await proto.done;
      if (isWindows) expect(transport.getReturncode()).not.toBe(0);
      else expect(transport.getReturncode()).toBe(-9);
      transport.close();
    });
  });
});
