#!/usr/bin/env node
// `pnpm demo`: a tour of what is built so far. It runs after `pnpm build`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const native = require('../packages/native');

console.log(`@iocp/native ${native.version} on ${process.platform}-${process.arch}`);
console.log(`default backend: ${native.backend}; available here: ${native.availableBackends().join(', ')}`);

// The completion core: post 100,000 no-op operations per backend and count
// how many calls into JavaScript it took to deliver them (one per batch).
for (const name of native.availableBackends()) {
  const n = 100_000;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => {
    let seen = 0;
    let batches = 0;
    const core = new native.Core((count) => {
      seen += count;
      batches += 1;
      if (seen === n) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        console.log(`${name.padEnd(8)} ${n} completions in ${batches} batches, ${ms.toFixed(1)} ms (${Math.round(n / ms)}k/s)`);
        core.close();
        resolve();
      }
    }, name);
    for (let i = 0; i < n; i++) core.nop();
  });
}

// asyncio's loop core (@iocp/futures) driving the proactor (@iocp/proactor):
// a task accepts a connection, echoes a message, and waits on an Event.
const { BaseEventLoop, sleep, waitFor } = require('../packages/futures');
const { IocpProactor, Socket, Event } = require('../packages/proactor');

class DemoLoop extends BaseEventLoop {}
const loop = new DemoLoop();
const proactor = new IocpProactor();
proactor.setLoop(loop);

const summary = await loop.runUntilComplete(
  loop.createTask(async () => {
    const server = new Socket('inet');
    server.bind(['127.0.0.1', 0]);
    server.listen();
    const client = new Socket('inet');
    const accepted = proactor.accept(server);
    await proactor.connect(client, server.getsockname());
    const [conn, peer] = await accepted;
    await proactor.send(client, Buffer.from('ping'));
    const got = await proactor.recv(conn, 16);

    // Cancellation reaches the OS: this recv is cancelled by waitFor's timeout.
    let cancelled = 'no';
    try {
      await waitFor(proactor.recv(conn, 16), 20);
    } catch (err) {
      cancelled = err.name;
    }

    const event = new Event();
    setTimeout(() => event.set(), 5);
    const signalled = await proactor.waitForHandle(event, 1000);
    await sleep(1);
    for (const s of [conn, client, server, event]) s.close();
    return `echoed '${got}' from ${JSON.stringify(peer)}; a timed-out recv ended with ${cancelled}; event signalled: ${signalled}`;
  }),
);
console.log(`IocpProactor on ${proactor.backend}: ${summary}`);
await proactor.close();
await loop.close();
