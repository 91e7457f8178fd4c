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

try {
  const { BaseEventLoop, sleep } = require('../packages/futures');
  class DemoLoop extends BaseEventLoop {}
  const loop = new DemoLoop();
  const result = await loop.runUntilComplete(
    loop.createTask(async () => {
      await sleep(10);
      return 'a task ran on an asyncio-style loop';
    }),
  );
  console.log(`@iocp/futures: ${result}`);
  await loop.close();
} catch (err) {
  console.log(`@iocp/futures: not available yet (${err.message.split('\n')[0]})`);
}
