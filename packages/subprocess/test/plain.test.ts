// Plain async code with no loop of its own (the shared on-demand loop of
// @iocp/proactor), Node's own child_process beside ours, and killTree.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import { sharedLoop, sharedLoopIdle } from '@iocp/proactor';
import { createSubprocessExec } from '@iocp/subprocess';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

import { NODE, SCRIPTS, inLoop, killedStatus } from './helpers';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

/** A child that starts a grandchild sharing its stdout, says both pids, then runs until killed. */
const PARENT_OF_GRANDCHILD = `
const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(SCRIPTS.sleeper.replace('ready', 'grandchild'))}], { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdout.write('child\\n');
setInterval(() => {}, 1000);
`;

describe('without a loop', () => {
  // The shared loop lives as long as the process; close it at the end.
  afterAll(async () => {
    await sharedLoopIdle();
    expect(sharedLoop().isRunning()).toBe(false);
    await sharedLoop().close();
  });

  it('createSubprocessExec from plain async code: the shared loop runs while the child lives and stops after', async () => {
    const proc = await createSubprocessExec(NODE, ['-e', SCRIPTS.upperLine], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    expect(sharedLoop().isRunning()).toBe(true);
    const [out, err] = await proc.communicate(Buffer.from('plain\n'));
    expect(out!.toString()).toBe('PLAIN\n');
    expect(err!.toString()).toBe('stderr');
    expect(proc.returncode).toBe(0);
    await sharedLoopIdle();
    expect(sharedLoop().isRunning()).toBe(false);
    expect(sharedLoop()._holdCount).toBe(0);
  });

  it('streaming stdout line by line from plain async code', async () => {
    const proc = await createSubprocessExec(
      NODE,
      ['-e', "for (let i = 0; i < 5; i++) console.log('line ' + i)"],
      { stdout: 'pipe' },
    );
    const lines: string[] = [];
    for await (const line of proc.stdout!) lines.push(line.toString().trimEnd());
    expect(lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(await proc.wait()).toBe(0);
    await sharedLoopIdle();
  });

  it('a script using only @iocp/subprocess exits by itself once its child ended', async () => {
    const script = `
const { createSubprocessExec } = require(${JSON.stringify(DIST)});
(async () => {
  const proc = await createSubprocessExec(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdin: 'pipe', stdout: 'pipe' });
  const [out] = await proc.communicate(Buffer.from('hello from a grandchild'));
  console.log(out.toString() + ' ' + proc.returncode);
})().catch((e) => { console.log('error ' + e.stack); process.exitCode = 3; });
`;
    const { out, err, code, signal } = await runNodeScript(script);
    expect({ out, err, code, signal }).toEqual({
      out: 'hello from a grandchild 0\n',
      err: '',
      code: 0,
      signal: null,
    });
  }, 90_000);
});

describe('beside Node child_process', () => {
  it("Node's own children still exit and report their status beside ours (we reap only our own)", async () => {
    await inLoop(async () => {
      const theirs = Array.from({ length: 4 }, (_, i) => {
        const c = spawn(NODE, ['-e', `process.exitCode = ${10 + i}`], { stdio: 'ignore' });
        return new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
      });
      const ours = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          createSubprocessExec(NODE, ['-e', `process.exitCode = ${20 + i}`]),
        ),
      );
      expect(await Promise.all(ours.map((p) => p.wait()))).toEqual([20, 21, 22, 23]);
      expect(await Promise.all(theirs)).toEqual([10, 11, 12, 13]);
    });
  }, 60_000);
});

describe('killTree', () => {
  it.each(['kill', 'terminate'] as const)(
    '%s() with killTree reaches the grandchild too',
    async (method) => {
      await inLoop(async () => {
        const proc = await createSubprocessExec(NODE, ['-e', PARENT_OF_GRANDCHILD], {
          stdout: 'pipe',
          killTree: true,
        });
        const seen = new Set<string>();
        while (seen.size < 2) seen.add((await proc.stdout!.readline()).toString().trim());
        expect([...seen].sort()).toEqual(['child', 'grandchild']);
        proc[method]();
        // The grandchild holds the stdout pipe too: its end comes only once
        // both are gone.
        expect((await proc.stdout!.read()).length).toBe(0);
        expect(await proc.wait()).toBe(killedStatus(method === 'kill' ? 'SIGKILL' : 'SIGTERM'));
      });
    },
    60_000,
  );
});
