// Soak (issue "Reliability and security"): for a while, on one proactor
// loop, at the same time and without pause: TCP echoes (a stream server,
// clients that connect, echo up to 64 KiB of random bytes and close), pipe
// echoes (@iocp/pipes, the same over a named pipe), handle waits (events
// set by timers, and waits that time out) and cancellations (receives and
// handle waits cancelled at random moments on a live connection whose
// bytes must all arrive exactly once). Every second the RSS, the V8 heap
// (after a full GC) and the process's fd (Linux) or handle (Windows) count
// are sampled.
//
// The bound: after a warm-up of the first third of the samples, no sample
// has an RSS more than 24 MiB, or a heap more than 8 MiB, above the last
// warm-up sample; the fd / handle count never exceeds the start by more
// than what the workers hold at once (64), and is back to what it was
// before the servers opened (Windows: at most that), with no operation
// pending, once everything is closed. A short first run, not measured,
// comes before, so that what is made once per process is there already.
//
// Under `pnpm test:asan` the RSS bound is reported, not asserted: the ASan
// runtime preloaded into node keeps freed memory in quarantine (up to
// 256 MiB), so the RSS grows by design there; LeakSanitizer checks the
// native memory instead, and the heap and fd bounds still hold.
//
// Under Wine, handle waits cancelled in the mix once crashed node.exe with
// an assertion inside Wine's ntdll thread pool; the wait callbacks no
// longer run in the wait thread (native src/win/wait.cc), and the
// cancellation storm of packages/proactor/test/wait-cancel-storm.test.ts
// guards it.
//
// 10 s in `pnpm test`, 60 s under `pnpm test:soak` (IOCP_SOAK=full).
// A subprocess worker runs beside them: one child at a time
// (createSubprocessExec of this node, copying its stdin to its stdout),
// fed up to 64 KiB through communicate(), which must come back whole with
// exit code 0; its pidfd / process handle waits and pipes are in the count.
import { randomBytes } from 'node:crypto';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import type { Future } from '@iocp/futures';
import { native } from '@iocp/native';
import { openPipeConnection, startPipeServer, PIPE_PREFIX } from '@iocp/pipes';
import { createSubprocessExec } from '@iocp/subprocess';
import { BaseProactorEventLoop, Event, Socket, openConnection, startServer } from '@iocp/proactor';
import type { StreamReader, StreamWriter } from '@iocp/proactor';

import { backend, fdTargets, full, isWindows, newFds, report } from './helpers';

/** The run lasts this many samples, one a second (longer where a sample comes late). */
const SAMPLES = full ? 60 : 10;
const RSS_BOUND = 24 * 1048576;
const HEAP_BOUND = 8 * 1048576;
const HANDLES_HELD = 64;
const underAsan = (process.env.LD_PRELOAD ?? '').includes('libasan');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

interface Sample {
  rss: number;
  heap: number;
  handles: number;
}

function sample(): Sample {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, handles: native.processHandleCount() };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function settled(f: Future<unknown>): Promise<void> {
  return new Promise((resolve) => f.addDoneCallback(() => resolve()));
}

/** Server-side connections not closed yet (a pipe client leaves before its server side sees it). */
let serving = 0;

/** The server side of both echoes: every byte read is written back, until the end. */
async function echo(reader: StreamReader, writer: StreamWriter): Promise<void> {
  serving++;
  try {
    for (;;) {
      const data = await reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
    writer.close();
    await writer.waitClosed();
  } finally {
    serving--;
  }
}

/** One client exchange: `size` random bytes out, the same back, then close. */
async function exchange([reader, writer]: [StreamReader, StreamWriter]): Promise<void> {
  const payload = randomBytes(1 + Math.floor(Math.random() * 65536));
  writer.write(payload);
  await writer.drain();
  const back = await reader.readexactly(payload.length);
  if (!back.equals(payload)) throw new Error(`an echo of ${payload.length} bytes came back different`);
  // A socket half-closes and sees the server's end; a duplex pipe cannot
  // half-close (writeEof is not supported there, as in CPython).
  if (writer.canWriteEof()) {
    writer.writeEof();
    if ((await reader.read()).length !== 0) throw new Error('bytes after the echo');
  }
  writer.close();
  await writer.waitClosed();
}

interface Run {
  counts: Record<string, number>;
  samples: Sample[];
  start: Sample;
  seconds: number;
}

/**
 * One soak run on a new loop: the servers, the workers until `wanted`
 * samples are taken (each worker does at least one round), then everything
 * closed.
 */
async function soak(wanted: number): Promise<Run> {
  const loop = new BaseProactorEventLoop();
  const proactor = loop._proactor;
  const counts = { tcpEchoes: 0, pipeEchoes: 0, waits: 0, waitTimeouts: 0, cancelled: 0, cancelTooLate: 0, streamBytes: 0, subprocesses: 0 };
  const samples: Sample[] = [];
  let start!: Sample;
  let startedAt = 0;
  try {
    await loop.runUntilComplete(async () => {
      const tcp = await startServer(echo, '127.0.0.1', 0, { loop });
      const port = (tcp.sockets[0].getsockname() as [string, number])[1];
      const pipeName = `${PIPE_PREFIX}iocp-soak-${process.pid}-${Date.now()}`;
      const pipes = await startPipeServer(echo, pipeName, { loop });
      // The cancellation worker's connection, held for the whole run.
      const listener = new Socket('inet');
      listener.bind(['127.0.0.1', 0]);
      listener.listen();
      const a = new Socket('inet');
      const [[b]] = await Promise.all([loop.sockAccept(listener), loop.sockConnect(a, listener.getsockname())]);
      listener.close();
      const events = [new Event(), new Event(), new Event()];

      start = sample();
      startedAt = Date.now();
      const running = (): boolean => samples.length < wanted;

      async function tcpWorker(): Promise<void> {
        do {
          await exchange(await openConnection('127.0.0.1', port, { loop }));
          counts.tcpEchoes++;
        } while (running());
      }
      async function pipeWorker(): Promise<void> {
        do {
          await exchange(await openPipeConnection(pipeName, { loop }));
          counts.pipeEchoes++;
        } while (running());
      }
      async function waitWorker(ev: Event): Promise<void> {
        do {
          const timer = setTimeout(() => ev.set(), Math.floor(Math.random() * 4));
          if (!(await proactor.waitForHandle(ev, 10_000))) throw new Error('a wait on an event that was set timed out');
          ev.reset();
          counts.waits++;
          clearTimeout(timer);
          if (await proactor.waitForHandle(ev, 1 + Math.floor(Math.random() * 3))) throw new Error('a wait on an unset event was signalled');
          counts.waitTimeouts++;
        } while (running());
      }
      async function subprocessWorker(): Promise<void> {
        do {
          const child = await createSubprocessExec(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
            stdin: 'pipe',
            stdout: 'pipe',
            stderr: 'ignore',
            loop,
          });
          const payload = randomBytes(1 + Math.floor(Math.random() * 65536));
          const [out] = await child.communicate(payload);
          if (out === null || !out.equals(payload)) throw new Error(`a child's echo of ${payload.length} bytes came back different`);
          if (child.returncode !== 0) throw new Error(`a child exited with ${child.returncode}`);
          counts.subprocesses++;
        } while (running());
      }
      // Receives on `a` while `b` sends sequence-numbered bytes, each
      // receive cancelled at once, after a turn, or once bytes are on the
      // way, at random; a handle wait cancelled beside it. Whatever a
      // cancelled receive had already read is its result (cancel() came
      // too late), so the bytes received must be the bytes sent, exactly.
      // Each received chunk is checked against the bytes sent and not yet
      // received, which are then dropped (keeping them all would grow the
      // heap by the whole stream).
      const unreceived: Buffer[] = [];
      let sentTotal = 0;
      const receive = (data: Buffer): void => {
        let at = 0;
        while (at < data.length) {
          const head = unreceived[0];
          if (head === undefined) throw new Error('received bytes that were never sent');
          const n = Math.min(head.length, data.length - at);
          if (!data.subarray(at, at + n).equals(head.subarray(0, n))) throw new Error('received bytes differ from the bytes sent');
          at += n;
          if (n === head.length) unreceived.shift();
          else unreceived[0] = head.subarray(n);
        }
      };
      let seq = 0;
      async function cancelWorker(): Promise<void> {
        do {
          const recv = proactor.recv(a, 4096);
          const wait = proactor.waitForHandle(events[2]);
          const how = Math.floor(Math.random() * 3);
          if (how >= 1) await new Promise((resolve) => setImmediate(resolve));
          if (how === 2) {
            const bytes = Buffer.alloc(1 + Math.floor(Math.random() * 2048), seq++ & 0xff);
            unreceived.push(bytes);
            sentTotal += bytes.length;
            await proactor.send(b, bytes);
          }
          for (const f of [recv, wait] as Future<unknown>[]) {
            f.cancel();
            await settled(f);
            if (f.cancelled()) counts.cancelled++;
            else counts.cancelTooLate++;
          }
          if (!recv.cancelled()) receive(recv.result());
        } while (running());
      }
      // One sample a second, on a fixed schedule (a sample's GC takes
      // time); the run ends with the last one.
      async function sampler(): Promise<void> {
        const t0 = Date.now();
        for (let k = 1; running(); k++) {
          await delay(Math.max(0, t0 + k * 1000 - Date.now()));
          samples.push(sample());
        }
      }

      await Promise.all([
        tcpWorker(), tcpWorker(), tcpWorker(),
        pipeWorker(), pipeWorker(),
        waitWorker(events[0]), waitWorker(events[1]),
        subprocessWorker(), cancelWorker(), sampler(),
      ]);

      // Whatever is still in flight between b and a arrives now.
      while (unreceived.length > 0) {
        const more = await proactor.recv(a, unreceived.reduce((n, x) => n + x.length, 0));
        if (more.length === 0) throw new Error('the connection ended early');
        receive(more);
      }
      counts.streamBytes = sentTotal;

      // The server side of the last pipe connections closes on its own.
      while (serving > 0) await delay(5);
      a.close();
      b.close();
      for (const ev of events) ev.close();
      tcp.close();
      await tcp.waitClosed();
      pipes.close();
    });
  } finally {
    await loop.close();
  }
  return { counts, samples, start, seconds: Math.round((Date.now() - startedAt) / 1000) };
}

describe(`soak: ${SAMPLES} s of sockets, pipes, subprocesses, handle waits and cancellations (${backend})`, () => {
  it('memory and fds stay flat after warm-up, and every byte arrives once', async () => {
    // A first, short run makes what Windows and Node create once per
    // process on first use (the crypto provider behind randomBytes, the
    // thread pool, named-pipe and Winsock state) before the count is taken.
    const t0 = performance.now();
    await soak(0);
    const warmUpMs = Math.round(performance.now() - t0);
    const pendingBefore = native.pendingOperations();
    const handlesBefore = native.processHandleCount();
    const fdsBefore = fdTargets();
    const { counts, samples, start, seconds } = await soak(SAMPLES);
    // Closes in flight (a peer's end) settle within a few turns.
    // Windows: the thread pool behind waitHandle lets its wait thread's
    // handle go seconds after the last wait (see the leak check). A
    // deadline, not a count of turns: under Wine one handle count takes
    // about 150 ms (Wine's GetProcessHandleCount is a stub, so the native
    // core probes handle values one by one).
    const t1 = performance.now();
    while (performance.now() - t1 < 20_000 && native.processHandleCount() > handlesBefore) await delay(20);
    const settleMs = Math.round(performance.now() - t1);
    const end = sample();

    const warm = Math.ceil(samples.length / 3);
    const base = samples[warm - 1];
    const after = samples.slice(warm);
    const rssGrowth = Math.max(...after.map((s) => s.rss)) - base.rss;
    const heapGrowth = Math.max(...after.map((s) => s.heap)) - base.heap;
    const handlesMax = Math.max(...samples.map((s) => s.handles));
    const mib = (n: number): number => Math.round((n / 1048576) * 10) / 10;
    report('soak', {
      samples: samples.length,
      seconds,
      warmUpMs,
      settleMs,
      ...counts,
      rssStartMiB: mib(start.rss),
      rssGrowthAfterWarmupMiB: mib(rssGrowth),
      heapGrowthAfterWarmupMiB: mib(heapGrowth),
      rssMiBEachSecond: samples.map((x) => mib(x.rss)),
      heapMiBEachSecond: samples.map((x) => mib(x.heap)),
      handlesBefore,
      handlesStart: start.handles,
      handlesMax,
      handlesEnd: end.handles,
      asan: underAsan,
      ...(end.handles > handlesBefore ? { leftOpen: newFds(fdsBefore, fdTargets()) } : {}),
    });

    for (const n of [counts.tcpEchoes, counts.pipeEchoes, counts.waits, counts.waitTimeouts, counts.cancelled, counts.subprocesses]) {
      expect(n).toBeGreaterThan(0);
    }
    if (!underAsan) expect(rssGrowth).toBeLessThan(RSS_BOUND);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    expect(handlesMax).toBeLessThanOrEqual(start.handles + HANDLES_HELD);
    // Linux: the same count. Windows: not more than before, but for one
    // thread-pool wait thread, which Wine kept past the deadline in runs
    // that shared wineserver with another busy Wine process (the other jest
    // worker); alone it goes within about 5 s. A leak per operation would
    // show in handlesMax and in far more than one handle.
    if (isWindows) expect(end.handles).toBeLessThanOrEqual(handlesBefore + 1);
    else expect(end.handles).toBe(handlesBefore);
    expect(native.pendingOperations()).toBe(pendingBefore);
  }, SAMPLES * 1000 * 3 + 60_000);
});
