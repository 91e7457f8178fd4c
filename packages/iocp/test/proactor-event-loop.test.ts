// ProactorEventLoop: the pipe methods of windows_events.py (test_windows_events.py
// ProactorLoopCtrlC aside, see keyboard-interrupt.test.ts): test_pipe's
// echo through startServingPipe/createPipeConnection, a missing server, a
// taken name; and the subprocess methods (test_subprocess.py's protocol
// cases) through @iocp/subprocess.
import { FileNotFoundError, PermissionError } from '@iocp/futures';
import type { SubprocessProtocol, WriteTransport } from '@iocp/proactor';
import { BaseProactorEventLoop, PipeServer, ProactorEventLoop } from 'iocp';

import { Recorder, closeLoops, isWine, pipeAddress, track } from './helpers';

afterEach(closeLoops);

describe('ProactorEventLoop', () => {
  test('is a BaseProactorEventLoop', () => {
    expect(track(new ProactorEventLoop())).toBeInstanceOf(BaseProactorEventLoop);
  });

  // Port of test_windows_events.py ProactorTests.test_pipe (protocols instead of streams).
  test('startServingPipe and createPipeConnection: five clients echo through one server', async () => {
    const loop = track(new ProactorEventLoop());
    const address = pipeAddress('pel');
    await loop.runUntilComplete(async () => {
      const serverSide: Recorder[] = [];
      const [server] = await loop.startServingPipe(() => {
        const r = new Recorder(true);
        serverSide.push(r);
        return r;
      }, address);
      expect(server).toBeInstanceOf(PipeServer);
      const clients: Array<[import('@iocp/proactor').Transport, Recorder]> = [];
      for (let i = 0; i < 5; i++) clients.push(await loop.createPipeConnection(() => new Recorder(), address));
      clients.forEach(([t], i) => t.write(Buffer.from(`lower-${i}`)));
      for (const [i, [t, r]] of clients.entries()) {
        await r.received(7);
        expect(r.data.toString()).toBe(`lower-${i}`);
        expect(t.getExtraInfo('addr')).toBe(address);
        t.close();
        expect(await r.lost).toBeNull();
      }
      expect(await Promise.all(serverSide.map((r) => r.lost))).toEqual([null, null, null, null, null]);
      server.close();
      expect(server.closed()).toBe(true);
    });
  });

  // Port of test_windows_events.py test_connect_pipe_cancel's neighbour: no server.
  test('createPipeConnection with no server rejects with FileNotFoundError', async () => {
    const loop = track(new ProactorEventLoop());
    await expect(loop.runUntilComplete(() => loop.createPipeConnection(() => new Recorder(), pipeAddress('none')))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
  });

  // Not under Wine: it does not refuse a second FILE_FLAG_FIRST_PIPE_INSTANCE
  // server (the @iocp/pipes tests gate this case the same way).
  if (!isWine) {
    test('a second startServingPipe on a live name rejects with PermissionError', async () => {
      const loop = track(new ProactorEventLoop());
      const address = pipeAddress('taken');
      await loop.runUntilComplete(async () => {
        const [server] = await loop.startServingPipe(() => new Recorder(), address);
        await expect(loop.startServingPipe(() => new Recorder(), address)).rejects.toBeInstanceOf(PermissionError);
        server.close();
      });
    });
  }
});

/** Collects what a child writes (the protocol side of asyncio's communicate). */
class Collector implements SubprocessProtocol {
  readonly out: Buffer[] = [];
  readonly err: Buffer[] = [];
  readonly events: string[] = [];
  readonly done: Promise<void>;
  private _done!: () => void;
  constructor() {
    this.done = new Promise((r) => (this._done = r));
  }
  pipeDataReceived(fd: number, data: Buffer): void {
    (fd === 1 ? this.out : this.err).push(data);
  }
  processExited(): void {
    this.events.push('exited');
  }
  connectionLost(): void {
    this.events.push('lost');
    this._done();
  }
}

describe('ProactorEventLoop subprocesses', () => {
  test('subprocessExec: stdin in, stdout and stderr out, the return code', async () => {
    const loop = track(new ProactorEventLoop());
    const script = "process.stdin.on('data', (d) => process.stdout.write(d.toString().toUpperCase())); process.stdin.on('end', () => { process.stderr.write('bye'); process.exitCode = 5; });";
    await loop.runUntilComplete(async () => {
      const [transport, proto] = await loop.subprocessExec(() => new Collector(), [process.execPath, '-e', script]);
      expect(transport.getPid()).toBeGreaterThan(0);
      const stdin = transport.getPipeTransport(0) as WriteTransport;
      stdin.write(Buffer.from('proactor child'));
      stdin.close();
      await proto.done;
      expect(Buffer.concat(proto.out).toString()).toBe('PROACTOR CHILD');
      expect(Buffer.concat(proto.err).toString()).toBe('bye');
      expect(transport.getReturncode()).toBe(5);
      expect(proto.events).toEqual(['exited', 'lost']);
      transport.close();
    });
  });

  test('subprocessShell runs a command line through the shell', async () => {
    const loop = track(new ProactorEventLoop());
    await loop.runUntilComplete(async () => {
      const [transport, proto] = await loop.subprocessShell(() => new Collector(), 'echo shell-ok', { stdin: 'ignore' });
      await proto.done;
      expect(Buffer.concat(proto.out).toString().trim()).toBe('shell-ok');
      expect(transport.getReturncode()).toBe(0);
      transport.close();
    });
  });

  test('a missing program rejects with FileNotFoundError', async () => {
    const loop = track(new ProactorEventLoop());
    await expect(loop.runUntilComplete(() => loop.subprocessExec(() => new Collector(), ['/nonexistent/iocp-no-such-program']))).rejects.toBeInstanceOf(
      FileNotFoundError,
    );
  });
});
