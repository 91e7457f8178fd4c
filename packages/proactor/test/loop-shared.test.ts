// The shared on-demand loop: createConnection / createServer called from
// plain code (no loop run by hand). A child process and a worker thread
// running plain code must exit by themselves once everything is closed.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { BaseEventLoop, RuntimeError, sleep } from '@iocp/futures';
import { BaseProactorEventLoop, createConnection, createServer, loopForCall, sharedLoop, sharedLoopIdle } from '@iocp/proactor';

import { openFds } from './helpers';
import { Recorder } from './loop-helpers';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

// Plain code: an upper-casing server and a client, everything closed at
// the end, and nothing else (no runForever, no explicit exit).
const PLAIN = `
const { createConnection, createServer } = require(${JSON.stringify(DIST)});
const say = (s) => (typeof postMessage === 'function' ? postMessage(s) : console.log(s));
(async () => {
  const server = await createServer(() => ({
    connectionMade(t) { this.t = t; },
    dataReceived(d) { this.t.write(Buffer.from(d.toString().toUpperCase())); },
  }), '127.0.0.1', 0);
  const [host, port] = server.sockets[0].getsockname();
  let answer;
  const got = new Promise((r) => (answer = r));
  const [t] = await createConnection(() => ({ dataReceived(d) { answer(d.toString()); } }), host, port);
  t.write(Buffer.from('hello'));
  say(await got);
  t.close();
  server.close();
  await server.waitClosed();
  say('closed');
})().catch((e) => { say('error ' + e.stack); process.exitCode = 3; });
`;

/** Resolves true once the shared loop has stopped. */
async function sharedLoopStopped(): Promise<boolean> {
  await sharedLoopIdle();
  return !sharedLoop().isRunning();
}

describe('the shared on-demand loop', () => {
  // The shared loop closes itself once idle; these tests close the last one
  // at the end anyway, as every test closes what it opens.
  afterAll(async () => {
    expect(await sharedLoopStopped()).toBe(true);
    await sharedLoop().close();
  });

  it('a child process running plain code exits by itself once everything is closed', async () => {
    const { out, err, code, signal } = await runNodeScript(PLAIN);
    expect({ out, err, code, signal }).toEqual({ out: 'HELLO\nclosed\n', err: '', code: 0, signal: null });
  }, 90_000);

  it('a worker thread running plain code ends by itself once everything is closed', async () => {
    const worker = new Worker(`const { parentPort } = require('node:worker_threads'); const postMessage = (m) => parentPort.postMessage(m);\n${PLAIN}`, {
      eval: true,
    });
    const messages: string[] = [];
    worker.on('message', (m: string) => messages.push(m));
    const watchdog = setTimeout(() => void worker.terminate(), 60_000);
    const code = await new Promise<number>((resolve) => worker.on('exit', resolve));
    clearTimeout(watchdog);
    expect({ messages, code }).toEqual({ messages: ['HELLO', 'closed'], code: 0 });
  }, 90_000);

  it('in this process: plain calls run on the shared loop, which stops once all is closed', async () => {
    expect(loopForCall()).toBe(sharedLoop());
    const fdsBefore = openFds();
    const server = await createServer(() => new Recorder(true), '127.0.0.1', 0);
    expect(server.getLoop()).toBe(sharedLoop());
    expect(sharedLoop().isRunning()).toBe(true);
    const [host, port] = server.sockets[0].getsockname() as [string, number];
    const [t, p] = await createConnection(() => new Recorder(), host, port);
    t.write(Buffer.from('shared'));
    expect((await p.received(6)).toString()).toBe('shared');

    // Only one loop runs at a time: a loop of one's own cannot start now.
    const mine = new BaseProactorEventLoop();
    const refusal = await mine.runUntilComplete(async () => undefined).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RuntimeError);
    expect((refusal as Error).message).toMatch(
      /^Cannot run the event loop while another loop is running: the shared on-demand loop runs because 3 transport\(s\), serving socket\(s\) or operation\(s\) made by loop-less calls .* are still open; close them and await sharedLoopIdle\(\)/,
    );
    await expect(mine.runForever()).rejects.toThrow(/the shared on-demand loop runs/);
    await mine.close();

    t.close();
    await p.lost;
    server.close();
    await server.waitClosed();
    expect(await sharedLoopStopped()).toBe(true);
    expect(sharedLoop()._holdCount).toBe(0);
    expect(openFds()).toBe(fdsBefore);
  });

  it('a timer of the shared loop keeps it running after the last close (an await is never stranded)', async () => {
    const server = await createServer(() => new Recorder(), '127.0.0.1', 0);
    // While the shared loop runs, sleep() makes a timer of that loop.
    const slept = sleep(20, 'woke');
    const starts = jest.spyOn(sharedLoop(), 'runForever');
    try {
      server.close();
      await server.waitClosed();
      expect(await slept).toBe('woke');
      // It ran on through the wait: no stop and start again (no spinning).
      expect(starts).not.toHaveBeenCalled();
    } finally {
      starts.mockRestore();
    }
    expect(await sharedLoopStopped()).toBe(true);
  });

  it('after the last close, a loop of one\'s own can run once sharedLoopIdle() resolved', async () => {
    const err = await createConnection(() => new Recorder(), '127.0.0.1', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    await sharedLoopIdle();
    const mine = new BaseProactorEventLoop();
    try {
      expect(await mine.runUntilComplete(async () => 'ran')).toBe('ran');
    } finally {
      await mine.close();
    }
  });

  it('a failed plain call releases the shared loop too', async () => {
    const err = await createConnection(() => new Recorder(), 'nonexistent.invalid', 80).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await sharedLoopStopped()).toBe(true);
    expect(sharedLoop()._holdCount).toBe(0);
    expect(() => createConnection(() => new Recorder(), '127.0.0.1', -1)).toThrow(RangeError);
    expect(sharedLoop()._holdCount).toBe(0);
  });

  it('inside a running BaseProactorEventLoop the plain calls use that loop', async () => {
    const loop = new BaseProactorEventLoop();
    try {
      await loop.runUntilComplete(async () => {
        expect(loopForCall()).toBe(loop);
        const server = await createServer(() => new Recorder(), '127.0.0.1', 0);
        expect(server.getLoop()).toBe(loop);
        server.close();
        await server.waitClosed();
      });
    } finally {
      await loop.close();
    }
    expect(sharedLoop().isRunning()).toBe(false);
  });

  it('while a loop that is not a proactor loop runs, a plain call throws a RuntimeError naming it', async () => {
    class PlainLoop extends BaseEventLoop {}
    const loop = new PlainLoop();
    try {
      await loop.runUntilComplete(async () => {
        expect(() => createConnection(() => new Recorder(), '127.0.0.1', 1)).toThrow(/needs a BaseProactorEventLoop, but <PlainLoop/);
      });
    } finally {
      await loop.close();
    }
  });
});
