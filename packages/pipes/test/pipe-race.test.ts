// Two server processes racing for one name over a leftover socket file (a
// crashed server's): exactly one wins, the other gets PermissionError, and
// clients reach the winner. Linux only: the leftover socket file is a Unix
// socket matter, and Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE (both
// Windows servers would "win" there, see WINDOWS-CI.md).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { pipePath } from '@iocp/proactor';
import { openPipeConnection } from '@iocp/pipes';
import { sharedLoop, sharedLoopIdle } from '@iocp/proactor';

import { address, isWindows } from './helpers';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');
const onLinux = isWindows ? describe.skip : describe;

// A server process: on "go" it tries to serve `addr` (answering each client
// with its pid), prints "won" or the error's class, and on stdin's end
// closes and exits. "crash" serves, then exits without closing.
const SERVER = `
const { PipeServer, startPipeServer } = require(${JSON.stringify(DIST)});
const [addr, how] = process.argv.slice(1);
if (how === 'crash') {
  new PipeServer(addr);
  console.log('serving');
  process.exit(0);
}
console.log('ready');
process.stdin.once('data', async () => {
  try {
    const server = await startPipeServer(async (r, w) => { w.write(Buffer.from(String(process.pid))); await w.drain(); w.close(); }, addr);
    console.log('won');
    process.stdin.on('end', () => server.close());
  } catch (e) {
    console.log(e.constructor.name);
    process.stdin.on('end', () => {});
  }
  process.stdin.resume();
});
`;

function start(addr: string, how = 'race'): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-e', SERVER, addr, how]);
}

/** Resolves to the child's output lines, once it printed `n`. */
function lines(child: ChildProcessWithoutNullStreams, n: number): Promise<string[]> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const got = out.split('\n').slice(0, -1);
      if (got.length >= n) resolve(got.slice(0, n));
    });
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

onLinux('servers racing for a name (Linux)', () => {
  afterAll(async () => {
    await sharedLoopIdle();
    await sharedLoop().close();
  });

  it('two processes race over a leftover socket file: exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const addr = address('race');
      const crashed = start(addr, 'crash');
      expect(await lines(crashed, 1)).toEqual(['serving']);
      await exited(crashed);
      expect(fs.statSync(pipePath(addr)).isSocket()).toBe(true); // the leftover

      const racers = [start(addr), start(addr)];
      const outputs = racers.map((c) => lines(c, 2));
      // Both are up and waiting: let them go together.
      await Promise.all(racers.map((c) => lines(c, 1)));
      for (const c of racers) c.stdin.write('go\n');
      const results = (await Promise.all(outputs)).map((l) => l[1]);
      expect([...results].sort()).toEqual(['PermissionError', 'won']);

      const winner = racers[results.indexOf('won')];
      const [reader, writer] = await openPipeConnection(addr);
      expect((await reader.read()).toString()).toBe(String(winner.pid));
      writer.close();
      await writer.waitClosed();

      for (const c of racers) c.stdin.end();
      expect(await Promise.all(racers.map(exited))).toEqual([0, 0]);
      expect(fs.existsSync(pipePath(addr))).toBe(false);
    }
  }, 60_000);
});
