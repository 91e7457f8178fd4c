// createSubprocessExec / createSubprocessShell and Process, ported from
// asyncio's test_subprocess.py (SubprocessMixin) where the cases apply, on
// the backend of this leg (io_uring, epoll, iocp under Wine). The child is
// this very Node (process.execPath).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  BrokenPipeError,
  CancelledError,
  FileNotFoundError,
  PermissionError,
  ProcessLookupError,
  sleep,
} from '@iocp/futures';
import { createSubprocessExec, createSubprocessShell } from '@iocp/subprocess';
import type { Process } from '@iocp/subprocess';

import { NODE, SCRIPTS, inLoop, isWindows, killedStatus, node, openFds } from './helpers';

function exec(
  script: string,
  args: string[] = [],
  opts: Parameters<typeof createSubprocessExec>[2] = {},
): Promise<Process> {
  const [program, argv] = node(script, ...args);
  return createSubprocessExec(program, argv, opts);
}

const PIPES = { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' } as const;

describe('Process', () => {
  // Port of test_subprocess.py test_stdin_stdout_pipe.
  it('stdin and stdout pipes: a line written comes back, then EOF and exit 0', async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.echo, [], { stdin: 'pipe', stdout: 'pipe' });
      expect(proc.pid).toBeGreaterThan(0);
      expect(proc.returncode).toBeNull();
      expect(proc.stderr).toBeNull();
      proc.stdin!.write(Buffer.from('Python The Winner\n'));
      await proc.stdin!.drain();
      expect((await proc.stdout!.readline()).toString()).toBe('Python The Winner\n');
      proc.stdin!.close();
      expect((await proc.stdout!.read()).length).toBe(0);
      expect(await proc.wait()).toBe(0);
      expect(proc.returncode).toBe(0);
    });
  });

  // Port of test_subprocess.py test_communicate.
  it('communicate(input) feeds stdin and reads stdout and stderr', async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.upperLine, [], PIPES);
      const [out, err] = await proc.communicate(Buffer.from('blah\n'));
      expect(out!.toString()).toBe('BLAH\n');
      expect(err!.toString()).toBe('stderr');
      expect(proc.returncode).toBe(0);
    });
  });

  // Port of test_communicate_none_input / test_communicate_empty_input.
  it('communicate() with no input and with empty input closes stdin', async () => {
    await inLoop(async () => {
      for (const input of [undefined, Buffer.alloc(0)]) {
        const proc = await exec(SCRIPTS.echo, [], PIPES);
        const [out, err] = await proc.communicate(input);
        expect(out!.length).toBe(0);
        expect(err!.length).toBe(0);
        expect(proc.returncode).toBe(0);
      }
    });
  });

  // Port of test_stdout_stderr_pipe (stderr=STDOUT).
  it("stderr: 'stdout' sends both to the stdout pipe", async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.outErr, [], { stdout: 'pipe', stderr: 'stdout' });
      expect(proc.stderr).toBeNull();
      const [out, err] = await proc.communicate();
      expect(err).toBeNull();
      expect(out!.toString()).toBe('stdoutstderr');
    });
  });

  it("stdio 'ignore' and a file descriptor", async () => {
    await inLoop(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-sub-'));
      const file = path.join(dir, 'out');
      const fd = fs.openSync(file, 'w');
      try {
        const proc = await exec(SCRIPTS.outErr, [], {
          stdin: 'ignore',
          stdout: fd,
          stderr: 'ignore',
        });
        expect(await proc.wait()).toBe(0);
      } finally {
        fs.closeSync(fd);
      }
      expect(fs.readFileSync(file, 'utf8')).toBe('stdout');
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  // Port of test_subprocess.py test_exit_code.
  it('exit codes come back as returncode', async () => {
    await inLoop(async () => {
      for (const code of [0, 1, 7, 255]) {
        const proc = await exec(SCRIPTS.exitWith, [String(code)]);
        expect(await proc.wait()).toBe(code);
        expect(proc.returncode).toBe(code);
      }
    });
  });

  // Port of test_subprocess.py test_kill / test_terminate.
  it.each([
    ['kill', 'SIGKILL'],
    ['terminate', 'SIGTERM'],
  ] as const)('%s() ends a running child: returncode %s', async (method, sig) => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.sleeper, [], { stdout: 'pipe' });
      expect((await proc.stdout!.readline()).toString()).toBe('ready\n');
      proc[method]();
      expect(await proc.wait()).toBe(killedStatus(sig));
      // Once the transport finished, there is no process to signal (CPython's _check_proc).
      expect(() => proc.kill()).toThrow(ProcessLookupError);
    });
  });

  // Port of test_subprocess.py test_send_signal.
  it('sendSignal() by name and by number', async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.sleeper, [], { stdout: 'pipe' });
      await proc.stdout!.readline();
      expect(() => proc.sendSignal({} as unknown as string)).toThrow(TypeError);
      if (isWindows) {
        expect(() => proc.sendSignal('SIGHUP')).toThrow(/Unsupported signal/);
        proc.sendSignal('SIGTERM');
        expect(await proc.wait()).toBe(1);
      } else {
        proc.sendSignal('SIGHUP');
        expect(await proc.wait()).toBe(-1);
      }
    });
  });

  if (!isWindows) {
    it('sendSignal() reaches the handler of a child that catches it', async () => {
      await inLoop(async () => {
        const proc = await exec(
          "process.on('SIGUSR1',()=>{process.stdout.write('got it\\n');process.exit(3)});process.stdout.write('ready\\n');setInterval(()=>{},1000)",
          [],
          { stdout: 'pipe' },
        );
        await proc.stdout!.readline();
        proc.sendSignal(os.constants.signals.SIGUSR1);
        expect((await proc.stdout!.readline()).toString()).toBe('got it\n');
        expect(await proc.wait()).toBe(3);
      });
    });
  }

  // Port of test_subprocess.py test_cancel_process_wait.
  it('a cancelled wait() leaves the child running; kill() and wait() end it', async () => {
    await inLoop(async (loop) => {
      const proc = await exec(SCRIPTS.sleeper, [], { stdout: 'pipe' });
      await proc.stdout!.readline();
      const task = loop.createTask(() => proc.wait());
      loop.callSoon(() => task.cancel());
      await expect(task).rejects.toBeInstanceOf(CancelledError);
      expect(proc.returncode).toBeNull();
      proc.kill();
      expect(await proc.wait()).toBe(killedStatus('SIGKILL'));
    });
  });

  it('a cancelled communicate() stops feeding and reading; the child can still be killed and awaited', async () => {
    await inLoop(async (loop) => {
      const proc = await exec(SCRIPTS.sleeper, [], PIPES);
      await proc.stdout!.readline();
      const task = loop.createTask(() => proc.communicate(Buffer.from('x')));
      await sleep(20);
      task.cancel();
      await expect(task).rejects.toBeInstanceOf(CancelledError);
      proc.kill();
      expect(await proc.wait()).toBe(killedStatus('SIGKILL'));
    });
  });

  // Linux only: a Node child on Windows cannot give up the stdin handle it
  // inherited (closing fd 0 leaves the OS handle open), so there the pipe
  // breaks only when the child exits (the next test).
  if (!isWindows) {
    // Port of test_subprocess.py test_stdin_broken_pipe (bpo-34340): here a
    // BrokenPipeError on every OS.
    it('writing to a stdin the child closed: drain() throws BrokenPipeError', async () => {
      await inLoop(async () => {
        const proc = await exec(SCRIPTS.closeStdin, [], { stdin: 'pipe', stdout: 'pipe' });
        expect((await proc.stdout!.readline()).toString()).toBe('closed\n');
        const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
        let caught: unknown = null;
        try {
          for (let i = 0; i < 4; i++) {
            proc.stdin!.write(big);
            await proc.stdin!.drain();
          }
        } catch (exc) {
          caught = exc;
        }
        expect(caught).toBeInstanceOf(BrokenPipeError);
        proc.kill();
        await proc.wait();
      });
    });
  }

  it('writing to the stdin of a child that exited: drain() throws BrokenPipeError', async () => {
    await inLoop(async () => {
      const proc = await exec('', [], { stdin: 'pipe' });
      expect(await proc.wait()).toBe(0);
      proc.stdin!.write(Buffer.from('late'));
      await expect(proc.stdin!.drain()).rejects.toBeInstanceOf(BrokenPipeError);
    });
  });

  // Port of test_subprocess.py large-data cases (test_communicate with big
  // input, gh-... no deadlock): several MiB both ways at once.
  it('communicate() moves several MiB both ways without deadlock', async () => {
    await inLoop(async () => {
      const input = Buffer.alloc(6 * 1024 * 1024);
      for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 12)) & 0xff;
      const proc = await exec(SCRIPTS.echo, [], PIPES);
      const [out, err] = await proc.communicate(input);
      expect(out!.length).toBe(input.length);
      expect(out!.equals(input)).toBe(true);
      expect(err!.length).toBe(0);
      expect(proc.returncode).toBe(0);
    });
  }, 60_000);

  it('a child that exits while its stdout is still being read: every byte arrives, then EOF', async () => {
    await inLoop(async () => {
      // 96 KiB: less than the reader holds before it pauses its transport
      // (2 x 64 KiB), so the child writes it all and exits unread.
      const small = await exec(SCRIPTS.bigOut, ['96'], { stdout: 'pipe' });
      expect(await small.wait()).toBe(0);
      expect((await small.stdout!.read()).length).toBe(96 * 1024);
      // 8 MiB: the child exits while most of it is still on its way.
      const big = await exec(SCRIPTS.bigOut, ['8192'], { stdout: 'pipe' });
      let total = 0;
      for (;;) {
        const chunk = await big.stdout!.read(1 << 20);
        if (chunk.length === 0) break;
        total += chunk.length;
      }
      expect(total).toBe(8 * 1024 * 1024);
      expect(await big.wait()).toBe(0);
    });
  }, 60_000);

  it('a child killed while it writes: what it wrote is read, then EOF, returncode of the kill', async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.bigOut, ['1024000'], { stdout: 'pipe' });
      const first = await proc.stdout!.readexactly(100_000);
      expect(first.every((b) => b === 120)).toBe(true);
      proc.kill();
      let rest = 0;
      for (;;) {
        const chunk = await proc.stdout!.read(1 << 20);
        if (chunk.length === 0) break;
        rest += chunk.length;
      }
      expect(rest).toBeLessThan(1000 * 1024 * 1024);
      expect(await proc.wait()).toBe(killedStatus('SIGKILL'));
    });
  }, 60_000);

  // Through the shell (sh, cmd.exe), a lighter child than Node: 50 Nodes
  // at once take minutes under Wine.
  it('50 processes at once', async () => {
    await inLoop(async () => {
      const procs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          createSubprocessShell(`echo child ${i}`, { stdout: 'pipe', stdin: 'ignore' }),
        ),
      );
      const results = await Promise.all(procs.map((p) => p.communicate()));
      results.forEach(([out], i) => expect(out!.toString().trim()).toBe(`child ${i}`));
      expect(procs.map((p) => p.returncode)).toEqual(procs.map(() => 0));
      expect(new Set(procs.map((p) => p.pid)).size).toBe(50);
    });
  }, 120_000);

  if (!isWindows) {
    it('children started one after another leave the fd count flat', async () => {
      await inLoop(async () => {
        const once = async (): Promise<void> => {
          const proc = await exec(SCRIPTS.echo, [], PIPES);
          await proc.communicate(Buffer.from('x'));
        };
        await once();
        const before = openFds();
        for (let i = 0; i < 30; i++) await once();
        expect(openFds()).toBe(before);
      });
    }, 120_000);
  }

  // Port of test_subprocess.py test_create_subprocess_env_exec / _shell.
  it('env replaces the environment; cwd sets the working directory', async () => {
    await inLoop(async () => {
      const cwd = fs.realpathSync(os.tmpdir());
      const env = { ...process.env, IOCP_SUB_TEST: 'héllo wörld' };
      const proc = await exec(
        'process.stdout.write(JSON.stringify([process.env.IOCP_SUB_TEST, process.cwd()]))',
        [],
        {
          stdout: 'pipe',
          env,
          cwd,
        },
      );
      const [out] = await proc.communicate();
      const [value, dir] = JSON.parse(out!.toString()) as [string, string];
      expect(value).toBe('héllo wörld');
      expect(fs.realpathSync(dir).toLowerCase()).toBe(cwd.toLowerCase());
    });
  });

  // Port of test_subprocess.py test_shell.
  it('createSubprocessShell runs a command line through the shell', async () => {
    await inLoop(async () => {
      const proc = await createSubprocessShell('exit 7');
      expect(await proc.wait()).toBe(7);
      const echo = await createSubprocessShell('echo hello shell', { stdout: 'pipe' });
      const [out] = await echo.communicate();
      expect(out!.toString().trim()).toBe('hello shell');
    });
  });

  it('arguments with spaces, quotes, backslashes and unicode reach the child unchanged', async () => {
    await inLoop(async () => {
      const args = [
        'a b',
        '',
        'q"uote',
        'back\\slash',
        'trail\\',
        'tail space\\',
        '"both"',
        'héllo 日本 😀',
        '\t',
      ];
      const proc = await exec(SCRIPTS.argv, args, { stdout: 'pipe' });
      const [out] = await proc.communicate();
      expect(JSON.parse(out!.toString())).toEqual(args);
    });
  });

  it('the async dispose kills a running child and waits for it', async () => {
    await inLoop(async () => {
      const proc = await exec(SCRIPTS.sleeper, [], { stdout: 'pipe' });
      await proc.stdout!.readline();
      await proc[Symbol.asyncDispose]();
      expect(proc.returncode).toBe(killedStatus('SIGKILL'));
    });
  });
});

describe('bad input', () => {
  it('a missing program rejects with FileNotFoundError', async () => {
    await inLoop(async () => {
      await expect(createSubprocessExec('iocp-no-such-program-xyz')).rejects.toBeInstanceOf(
        FileNotFoundError,
      );
      await expect(
        createSubprocessExec(path.join(os.tmpdir(), 'iocp-missing', 'prog')),
      ).rejects.toBeInstanceOf(FileNotFoundError);
    });
  });

  it('a directory rejects with PermissionError', async () => {
    await inLoop(async () => {
      await expect(createSubprocessExec(os.tmpdir())).rejects.toBeInstanceOf(PermissionError);
    });
  });

  if (!isWindows) {
    it('a file that is not executable, found by path or in PATH, rejects with PermissionError', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-sub-'));
      try {
        const file = path.join(dir, 'not-exec');
        fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
        await inLoop(async () => {
          await expect(createSubprocessExec(file)).rejects.toBeInstanceOf(PermissionError);
          const env = { PATH: dir };
          await expect(createSubprocessExec('not-exec', [], { env })).rejects.toBeInstanceOf(
            PermissionError,
          );
          // A later PATH entry that has it executable wins (execvp's search).
          const dir2 = path.join(dir, 'bin');
          fs.mkdirSync(dir2);
          fs.writeFileSync(path.join(dir2, 'not-exec'), '#!/bin/sh\nexit 5\n', { mode: 0o755 });
          const proc = await createSubprocessExec('not-exec', [], {
            env: { PATH: `${dir}:${dir2}` },
          });
          expect(await proc.wait()).toBe(5);
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('NUL in the program, an argument, cwd or env is a TypeError, thrown synchronously', () => {
    expect(() => createSubprocessExec('no\0de')).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, ['-e', 'a\0b'])).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, [], { cwd: '/\0' })).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, [], { env: { A: '\0' } })).toThrow(TypeError);
    expect(() => createSubprocessShell('echo \0')).toThrow(TypeError);
  });

  it('wrong types are a TypeError, bad values a RangeError, thrown synchronously', () => {
    expect(() => createSubprocessExec(5 as unknown as string)).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, 'x' as unknown as string[])).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, [5 as unknown as string])).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, [], { stdout: 'nope' as 'pipe' })).toThrow(RangeError);
    expect(() => createSubprocessExec(NODE, [], { limit: 0 })).toThrow(RangeError);
    expect(() => createSubprocessExec(NODE, [], { loop: {} as never })).toThrow(TypeError);
    expect(() => createSubprocessShell(['ls'] as unknown as string)).toThrow(TypeError);
  });
});
