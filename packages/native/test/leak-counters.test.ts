// The counters the shared leak check (tooling/jest-preset/leak-check.js)
// reads: processHandleCount() (Windows GetProcessHandleCount, Linux the
// entries of /proc/self/fd) and pendingOperations() (the operations every
// Core of this thread has pending, summed). Each goes up by what a test
// opens or starts and back down when it is closed or completes.
import * as fs from 'node:fs';

import { availableBackends, native } from '@iocp/native';
import type { BackendName } from '@iocp/native';

import { Harness, isLinux } from './helpers';

describe('processHandleCount', () => {
  it('counts a handle while it is open, and not once it is closed', () => {
    const before = native.processHandleCount();
    expect(before).toBeGreaterThan(0); // a process always holds some (Wine: counted by probing)
    const e = native.eventCreate(true, false);
    expect(e).toBeGreaterThanOrEqual(0);
    try {
      expect(native.processHandleCount()).toBe(before + 1);
    } finally {
      native.closeHandle(e);
    }
    expect(native.processHandleCount()).toBe(before);
  });

  (isLinux ? it : it.skip)('is the number of entries of /proc/self/fd (Linux)', () => {
    // readdirSync's own fd is open while it lists, and gone afterwards.
    expect(native.processHandleCount()).toBe(fs.readdirSync('/proc/self/fd').length - 1);
  });
});

describe.each(availableBackends())('pendingOperations on %s', (backend: BackendName) => {
  let t: Harness;
  beforeEach(() => {
    t = new Harness(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('counts started operations until they complete, over every Core of the thread', async () => {
    const other = new Harness(backend);
    try {
      const before = native.pendingOperations();
      const e1 = t.event();
      const e2 = other.event();
      const waits = [t.start((c) => c.waitHandle(e1)), t.start((c) => c.waitHandle(e1)), other.start((c) => c.waitHandle(e2))];
      expect(native.pendingOperations()).toBe(before + 3);
      native.eventSet(e1);
      await waits[0].done;
      await waits[1].done;
      expect(native.pendingOperations()).toBe(before + 1);
      expect(other.core.cancel(waits[2].id)).toBe(true);
      await waits[2].done;
      expect(native.pendingOperations()).toBe(before);
    } finally {
      await other.dispose();
    }
  });
});
