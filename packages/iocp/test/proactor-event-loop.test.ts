// ProactorEventLoop: the pipe methods of windows_events.py (test_windows_events.py
// ProactorLoopCtrlC aside, see keyboard-interrupt.test.ts): test_pipe's
// echo through startServingPipe/createPipeConnection, a missing server, a
// taken name.
import { FileNotFoundError, PermissionError } from '@iocp/futures';
import { BaseProactorEventLoop, PipeServer, ProactorEventLoop } from 'iocp';

import { Recorder, closeLoops, pipeAddress, track } from './helpers';

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

  test('a second startServingPipe on a live name rejects with PermissionError', async () => {
    const loop = track(new ProactorEventLoop());
    const address = pipeAddress('taken');
    await loop.runUntilComplete(async () => {
      const [server] = await loop.startServingPipe(() => new Recorder(), address, { maxInstances: 2 });
      await expect(loop.startServingPipe(() => new Recorder(), address)).rejects.toBeInstanceOf(PermissionError);
      server.close();
    });
  });
});
