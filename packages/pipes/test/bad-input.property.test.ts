// Bad input, tried at random (fast-check), for @iocp/pipes: pipe names and
// server options. Any \\.\pipe\ name either maps into the pipe folder
// itself (Linux: <folder>/NAME, never elsewhere, within a Unix socket
// address) or is refused with RangeError; a name that is not a string is a
// TypeError; bad options are TypeError / RangeError / Error (an option of
// the other OS), thrown by PipeServer before anything is made. After the
// tries a control echo over a pipe still works, and the pipe folder holds
// nothing new.
import * as fs from 'node:fs';
import * as path from 'node:path';

import fc from 'fast-check';

import { PIPE_PREFIX, pipeFolder, pipePath } from '@iocp/proactor';
import { PipeServer, openPipeConnection, startPipeServer } from '@iocp/pipes';
import { sharedLoop, sharedLoopIdle } from '@iocp/proactor';

import { address, isWindows } from './helpers';
import { thrownBy } from '@iocp/jest-preset/thrown-by';

const RUNS = 200;

/** Names made of the characters that matter (dots, separators, NUL) and any others. */
const name = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.constantFrom('.', '..', '/', '\\', '\0', 'a', 'é', ' ', ':'), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ minLength: 60, maxLength: 140 }),
);

const notAString = fc.oneof(fc.nat(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object({ maxDepth: 1 }), fc.array(fc.string(), { maxLength: 2 }));

/** Entries of the pipe folder (Linux), to check nothing was made. */
function folder(): string[] {
  return !isWindows && fs.existsSync(pipeFolder()) ? fs.readdirSync(pipeFolder()).sort() : [];
}

async function controlEcho(): Promise<void> {
  const addr = address('control');
  const server = await startPipeServer(async (r, w) => {
    w.write(await r.read(100));
    await w.drain();
    w.close();
  }, addr);
  try {
    const [reader, writer] = await openPipeConnection(addr);
    writer.write(Buffer.from('control'));
    expect((await reader.read()).toString()).toBe('control');
    writer.close();
    await writer.waitClosed();
  } finally {
    server.close();
  }
}

describe('pipe names and options, at random', () => {
  afterAll(async () => {
    await sharedLoopIdle();
    await sharedLoop().close();
  });

  it('a \\\\.\\pipe\\ name maps into the pipe folder itself, or is refused with RangeError', async () => {
    const before = folder();
    fc.assert(
      fc.property(name, (n) => {
        const addr = `${PIPE_PREFIX}${n}`;
        let mapped: string;
        try {
          mapped = pipePath(addr);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
          expect(thrownBy(() => new PipeServer(addr))).toBe('RangeError');
          return;
        }
        if (isWindows) {
          expect(mapped).toBe(addr);
        } else {
          expect(path.posix.dirname(mapped)).toBe(pipeFolder());
          expect(path.posix.basename(mapped)).toBe(n);
          expect(Buffer.byteLength(mapped)).toBeLessThanOrEqual(107);
        }
        expect(n).not.toMatch(/[\\/\0]/);
        expect(['', '.', '..']).not.toContain(n);
      }),
      { numRuns: RUNS },
    );
    expect(folder()).toEqual(before);
    await controlEcho();
  });

  it('an address that is not a string is a TypeError, from servers and clients', async () => {
    await fc.assert(
      fc.asyncProperty(notAString, async (bad) => {
        expect(thrownBy(() => pipePath(bad))).toBe('TypeError');
        expect(thrownBy(() => new PipeServer(bad as never))).toBe('TypeError');
        let err: unknown;
        try {
          await openPipeConnection(bad as never);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(TypeError);
      }),
      { numRuns: RUNS },
    );
    await controlEcho();
  });

  it('bad server options are refused before anything is made', async () => {
    const before = folder();
    const badInteger = fc.oneof(
      fc.integer({ max: -1 }).map((v) => [v, 'RangeError'] as const),
      fc.double({ min: 0.01, max: 1000, noNaN: true }).filter((v) => !Number.isInteger(v)).map((v) => [v, 'RangeError'] as const),
      fc.constantFrom(NaN, Infinity, 2 ** 40).map((v) => [v, 'RangeError'] as const),
      fc.oneof(fc.string(), fc.boolean(), fc.constant(null)).map((v) => [v, 'TypeError'] as const),
    );
    const option = fc.oneof(
      fc.tuple(fc.constantFrom('maxInstances', 'inBufferSize', 'outBufferSize', 'mode'), badInteger).map(([key, [v, want]]) => [
        { [key]: v },
        (isWindows && key === 'mode') ? 'Error' : want,
      ] as const),
      fc.integer({ min: 256, max: 100_000 }).map((v) => [{ maxInstances: v }, 'RangeError'] as const),
      fc.oneof(fc.nat(), fc.string(), fc.constant(null)).map((v) => [{ messageMode: v }, 'TypeError'] as const),
      fc.string({ minLength: 1 }).filter((k) => !['messageMode', 'maxInstances', 'inBufferSize', 'outBufferSize', 'sddl', 'mode'].includes(k))
        .map((k) => [{ [k]: 1 }, 'TypeError'] as const),
      fc.string().map((v) => [{ sddl: v }, isWindows ? (v === '' || v.includes('\0') ? 'RangeError' : 'ok') : 'Error'] as const),
      fc.oneof(fc.nat(), fc.constant(null), fc.string()).map((v) => [v, 'TypeError'] as const),
    ).filter(([, want]) => want !== 'ok');
    fc.assert(
      fc.property(option, ([opts, want]) => {
        expect(thrownBy(() => new PipeServer(address('opts'), opts as never))).toBe(want);
      }),
      { numRuns: RUNS },
    );
    expect(folder()).toEqual(before);
    await controlEcho();
  });
});
