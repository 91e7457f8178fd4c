#!/usr/bin/env node
// `pnpm demo`: a short tour of @iocp, run after `pnpm build`. It prints the
// backend, serves a named pipe and a TCP port (echo through streams), waits
// on an Event set by a timer, runs a subprocess, then measures a TCP echo
// for about two seconds with a live progress line, and exits by itself.
// Every figure it prints says what it measures.
//
// In your own project the imports are the package names (the `iocp`
// meta-package re-exports the others): require('@iocp/pipes'), ...
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');
const require = createRequire(import.meta.url);
const use = (name) => require(join(packages, name.replace(/^@iocp\//, '')));

const { availableBackends, backend, version } = use('@iocp/native');
const { sleep } = use('@iocp/futures');
const { BaseProactorEventLoop, Event, IocpProactor, openConnection, pipePath, startServer } = use('@iocp/proactor');
const { openPipeConnection, startPipeServer } = use('@iocp/pipes');
const { createSubprocessExec } = use('@iocp/subprocess');

const isTTY = process.stdout.isTTY;
const ms = (start) => (Number(process.hrtime.bigint() - start) / 1e6).toFixed(1);
const say = (title, text) => console.log(`\n${title}\n  ${text.replace(/\n/g, '\n  ')}`);

// An echo handler for both servers: each line comes back upper-cased.
async function shout(reader, writer) {
  for await (const line of reader) {
    writer.write(Buffer.from(line.toString().toUpperCase()));
    await writer.drain();
  }
  writer.close();
}

async function pipeEcho() {
  const name = `\\\\.\\pipe\\iocp-demo-${process.pid}`;
  const server = await startPipeServer(shout, name);
  const [reader, writer] = await openPipeConnection(name);
  writer.write(Buffer.from('hello over a named pipe\n'));
  const reply = (await reader.readline()).toString().trim();
  writer.close();
  await writer.waitClosed();
  server.close();
  const where = process.platform === 'win32' ? 'a Windows named pipe' : `a Unix socket at ${pipePath(name)}`;
  say('1. Named pipe (PipeServer through streams: startPipeServer / openPipeConnection)',
    `${name} is ${where}.\nThe server answered: "${reply}"`);
}

async function tcpEcho() {
  const server = await startServer(shout, '127.0.0.1', 0);
  const [, port] = server.sockets[0].getsockname();
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write(Buffer.from('hello over tcp\n'));
  const reply = (await reader.readline()).toString().trim();
  writer.close();
  await writer.waitClosed();
  server.close();
  await server.waitClosed();
  say('2. TCP (startServer / openConnection)', `Served 127.0.0.1:${port}; the server answered: "${reply}"`);
}

async function eventWait(proactor) {
  const event = new Event();
  const started = process.hrtime.bigint();
  const timer = setTimeout(() => event.set(), 50);
  const signalled = await proactor.waitForHandle(event, 1000);
  const after = ms(started);
  const unset = new Event();
  const timedOut = await proactor.waitForHandle(unset, 100);
  clearTimeout(timer);
  event.close();
  unset.close();
  say('3. Waiting on a kernel object (IocpProactor.waitForHandle on an Event)',
    `A timer set the event after 50 ms; the wait resolved ${signalled} after ${after} ms\n` +
      `(the wait itself is in the kernel: ${process.platform === 'win32' ? 'a thread-pool wait on the event object' : 'the eventfd watched by the backend'}).\n` +
      `A wait on an event nobody sets, with a 100 ms timeout, resolved ${timedOut}.`);
}

async function subprocess() {
  const started = process.hrtime.bigint();
  const child = await createSubprocessExec(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
    stdin: 'pipe',
    stdout: 'pipe',
  });
  const [out] = await child.communicate(Buffer.from('a line through a child process'));
  say('4. A subprocess (createSubprocessExec, communicate)',
    `pid ${child.pid} echoed "${out.toString()}" and exited with code ${child.returncode} after ${ms(started)} ms\n` +
      '(most of that is the child Node starting up; ' +
      `its exit was awaited on ${process.platform === 'win32' ? 'its process handle' : 'a pidfd'} through the proactor, not by polling).`);
}

async function throughput(seconds) {
  const CHUNK = 64 * 1024;
  const WINDOW = 8; // chunks in flight
  const server = await startServer(async (reader, writer) => {
    for (;;) {
      const data = await reader.read(CHUNK);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
    writer.close();
  }, '127.0.0.1', 0);
  const [, port] = server.sockets[0].getsockname();
  const [reader, writer] = await openConnection('127.0.0.1', port);
  const chunk = Buffer.alloc(CHUNK, 0x61);
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let echoed = 0;
  let lastCheck = started;
  let lastPrinted = started;
  let lastLine = '';
  // A TTY gets one progress line rewritten in place; a log gets a line every 0.5 s.
  const show = (final) => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = echoed / (1024 * 1024) / elapsed;
    const width = 30;
    const done = Math.min(width, Math.round((elapsed / seconds) * width));
    lastLine = `  [${'#'.repeat(done)}${' '.repeat(width - done)}] ${elapsed.toFixed(1)} s  ${rate.toFixed(0)} MiB/s echoed`;
    if (isTTY) process.stdout.write(`\r${lastLine}`);
    else if (final || Date.now() - lastPrinted >= 500) {
      console.log(lastLine);
      lastPrinted = Date.now();
    }
    lastCheck = Date.now();
  };
  console.log(`\n5. Throughput: a TCP echo for ${seconds} s (64 KiB chunks, ${WINDOW} in flight, both ends in this process)`);
  for (let i = 0; i < WINDOW; i++) writer.write(chunk);
  let inFlight = WINDOW;
  while (inFlight > 0) {
    await reader.readexactly(CHUNK);
    echoed += CHUNK;
    inFlight -= 1;
    if (Date.now() < deadline) {
      writer.write(chunk);
      inFlight += 1;
      await writer.drain();
    }
    if (Date.now() - lastCheck >= 100) show(false);
  }
  show(true);
  if (isTTY) process.stdout.write('\n');
  writer.close();
  await writer.waitClosed();
  server.close();
  await server.waitClosed();
  const elapsed = (Date.now() - started) / 1000;
  console.log(
    `  ${(echoed / (1024 * 1024)).toFixed(0)} MiB went to the server and back in ${elapsed.toFixed(2)} s ` +
      `(${(echoed / CHUNK).toFixed(0)} chunks of 64 KiB).\n` +
      '  MiB/s counts the bytes the client got back, per second. Client and server share\n' +
      '  this process and its one JavaScript thread over loopback, so the figure is the\n' +
      "  library's own cost per byte, not a network speed (`pnpm bench` compares it with\n" +
      '  Node net, asyncio and C).',
  );
}

console.log(`@iocp demo: @iocp/native ${version} on ${process.platform}-${process.arch}, Node ${process.version}`);
console.log(`  backend: ${backend} (the kernel interface completions come from; available here: ${availableBackends().join(', ')};`);
console.log('  IOCP_BACKEND=epoll pnpm demo picks another)');

// One proactor event loop (asyncio's BaseProactorEventLoop on an
// IocpProactor) runs the whole tour; the stream functions find it running.
const proactor = new IocpProactor();
const loop = new BaseProactorEventLoop(proactor);
await loop.runUntilComplete(
  loop.createTask(async () => {
    await pipeEcho();
    await tcpEcho();
    await eventWait(proactor);
    await subprocess();
    await throughput(2);
    await sleep(0);
  }),
);
await loop.close();
console.log('\nEverything is closed; the process now exits by itself.');
