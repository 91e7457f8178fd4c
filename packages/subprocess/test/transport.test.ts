// The protocol API (subprocessExec / subprocessShell, BaseSubprocessTransport)
// and Popen, ported from asyncio's test_subprocess.py (the protocol cases)
// and test_windows_utils.py PopenTests.
import { CancelledError, ProcessLookupError } from '@iocp/futures';
import { IocpProactor, PipeHandle } from '@iocp/proactor';
import type {
  BaseTransport,
  ReadTransport,
  SubprocessProtocol,
  WriteTransport,
} from '@iocp/proactor';
import { BaseSubprocessTransport, Popen, subprocessExec, subprocessShell } from '@iocp/subprocess';

import { checkOptions } from '../src/options';
import { NODE, SCRIPTS, inLoop, isWindows, killedStatus, node, openFds } from './helpers';

/** Records the protocol's callbacks; `done` resolves on connectionLost. */
class Recorder implements SubprocessProtocol {
  readonly events: unknown[] = [];
  readonly data = new Map<number, Buffer[]>();
  transport: BaseTransport | null = null;
  done!: Promise<Error | null>;
  private _resolve!: (exc: Error | null) => void;

  constructor() {
    this.done = new Promise((r) => (this._resolve = r));
  }
  connectionMade(t: BaseTransport): void {
    this.transport = t;
    this.events.push('connectionMade');
  }
  pipeDataReceived(fd: number, data: Buffer): void {
    if (!this.data.has(fd)) this.data.set(fd, []);
    this.data.get(fd)!.push(data);
    const last = this.events[this.events.length - 1] as [string, number] | string;
    if (!(Array.isArray(last) && last[0] === 'pipeDataReceived' && last[1] === fd))
      this.events.push(['pipeDataReceived', fd]);
  }
  pipeConnectionLost(fd: number, exc: Error | null): void {
    this.events.push(['pipeConnectionLost', fd, exc]);
  }
  processExited(): void {
    this.events.push('processExited');
  }
  connectionLost(exc: Error | null): void {
    this.events.push('connectionLost');
    this._resolve(exc);
  }
  text(fd: number): string {
    return Buffer.concat(this.data.get(fd) ?? []).toString();
  }
}

describe('subprocessExec (protocol API)', () => {
  // Port of test_subprocess.py test_subprocess_protocol_events (gh-108973):
  // every callback runs; each pipe's data comes before its
  // pipeConnectionLost; connectionLost comes last, after processExited.
  it('the protocol callbacks come in CPython order, connectionLost last', async () => {
    await inLoop(async (loop) => {
      const [program, args] = node(SCRIPTS.outErr);
      const [transport, proto] = await subprocessExec(
        loop,
        () => new Recorder(),
        [program, ...args],
        { stdin: 'ignore' },
      );
      expect(transport).toBeInstanceOf(BaseSubprocessTransport);
      expect(proto.events[0]).toBe('connectionMade');
      expect(proto.transport).toBe(transport);
      expect(transport.getPid()).toBeGreaterThan(0);
      expect(transport.getPipeTransport(0)).toBeNull();
      expect(transport.getPipeTransport(1)).not.toBeNull();
      expect(await proto.done).toBeNull();
      expect(proto.text(1)).toBe('stdout');
      expect(proto.text(2)).toBe('stderr');
      const ev = proto.events.map((e) =>
        Array.isArray(e) ? `${e[0] as string}:${e[1] as number}` : e,
      );
      expect(ev[ev.length - 1]).toBe('connectionLost');
      expect([...ev].sort()).toEqual(
        [
          'connectionMade',
          'pipeDataReceived:1',
          'pipeDataReceived:2',
          'pipeConnectionLost:1',
          'pipeConnectionLost:2',
          'processExited',
          'connectionLost',
        ].sort(),
      );
      for (const fd of [1, 2])
        expect(ev.indexOf(`pipeDataReceived:${fd}`)).toBeLessThan(
          ev.indexOf(`pipeConnectionLost:${fd}`),
        );
      expect(transport.getReturncode()).toBe(0);
      transport.close();
      // Once finished, signals have no process to reach.
      expect(() => transport.kill()).toThrow(ProcessLookupError);
    });
  });

  it('write to the stdin pipe transport, read the echo, close: exit 0', async () => {
    await inLoop(async (loop) => {
      const [program, args] = node(SCRIPTS.echo);
      const [transport, proto] = await subprocessExec(loop, () => new Recorder(), [
        program,
        ...args,
      ]);
      const stdin = transport.getPipeTransport(0) as WriteTransport;
      expect(typeof stdin.write).toBe('function');
      expect(typeof (transport.getPipeTransport(1) as ReadTransport).pauseReading).toBe('function');
      stdin.write(Buffer.from('ping'));
      stdin.close();
      await proto.done;
      expect(proto.text(1)).toBe('ping');
      expect(transport.getReturncode()).toBe(0);
      transport.close();
    });
  });

  // Port of test_subprocess.py test_close_kill_running.
  it('close() kills a child that still runs; connectionLost follows', async () => {
    await inLoop(async (loop) => {
      const [program, args] = node(SCRIPTS.sleeper);
      const [transport, proto] = await subprocessExec(loop, () => new Recorder(), [
        program,
        ...args,
      ]);
      expect(transport.isClosing()).toBe(false);
      transport.close();
      expect(transport.isClosing()).toBe(true);
      await proto.done;
      expect(transport.getReturncode()).toBe(killedStatus('SIGKILL'));
    });
  });

  // Port of test_subprocess.py test_close_dont_kill_finished.
  it('close() of a child that already exited keeps its exit status', async () => {
    await inLoop(async (loop) => {
      const [program, args] = node(SCRIPTS.exitWith, '3');
      const [transport, proto] = await subprocessExec(
        loop,
        () => new Recorder(),
        [program, ...args],
        { stdin: 'ignore' },
      );
      await proto.done;
      transport.close();
      expect(transport.getReturncode()).toBe(3);
    });
  });

  // Port of test_subprocess.py test_cancel_post_init / test_cancel_make_subprocess_transport_exec:
  // a cancelled start kills the child (no leak, no zombie: the leak check
  // and wait() prove it) and rejects with CancelledError.
  it('cancelling the start kills the child and rejects with CancelledError', async () => {
    await inLoop(async (loop) => {
      const [program, args] = node(SCRIPTS.sleeper);
      let made: Recorder | null = null;
      const task = loop.createTask(() =>
        subprocessExec(loop, () => (made = new Recorder()), [program, ...args]),
      );
      loop.callSoon(() => task.cancel());
      await expect(task).rejects.toBeInstanceOf(CancelledError);
      expect(made).not.toBeNull();
      await made!.done;
    });
  });

  it('subprocessShell runs a command line; argument errors are synchronous', async () => {
    await inLoop(async (loop) => {
      const [transport, proto] = await subprocessShell(loop, () => new Recorder(), 'echo shell', {
        stdin: 'ignore',
      });
      await proto.done;
      expect(proto.text(1).trim()).toBe('shell');
      transport.close();
      expect(() => subprocessShell(loop, () => new Recorder(), 5 as unknown as string)).toThrow(
        TypeError,
      );
      expect(() => subprocessExec(loop, () => new Recorder(), [])).toThrow(RangeError);
      expect(() => subprocessExec(loop, () => new Recorder(), 'ls' as unknown as string[])).toThrow(
        TypeError,
      );
      expect(() => subprocessExec({} as never, () => new Recorder(), [NODE])).toThrow(TypeError);
      expect(() => subprocessExec(loop, null as never, [NODE])).toThrow(TypeError);
    });
  });
});

describe('Popen', () => {
  // Port of test_windows_utils.py PopenTests.test_popen: the pipes are
  // PipeHandles the proactor reads and writes.
  it('pipes are PipeHandles a proactor writes and reads; the exit shows on the process handle', async () => {
    const proactor = new IocpProactor();
    const p = new Popen(
      { shell: false, argv: [NODE, '-e', SCRIPTS.upperLine] },
      checkOptions({}, 'pipe'),
    );
    try {
      for (const f of [p.stdin, p.stdout, p.stderr]) expect(f).toBeInstanceOf(PipeHandle);
      const msg = Buffer.from('blah\n');
      const ovin = proactor.send(p.stdin!, msg);
      const ovout = proactor.recv(p.stdout!, 100);
      const overr = proactor.recv(p.stderr!, 100);
      expect(await ovin).toBe(msg.length);
      const out = (await ovout).toString().trimEnd();
      const err = (await overr).toString().trimEnd();
      expect(out.length).toBeGreaterThan(0);
      expect(err.length).toBeGreaterThan(0);
      // Allow for partial reads.
      expect('BLAH'.startsWith(out)).toBe(true);
      expect('stderr'.startsWith(err)).toBe(true);
      expect(await proactor.waitForHandle(p._handle)).toBe(true);
      expect(p.poll()).toBe(0);
      expect(p.poll()).toBe(0);
    } finally {
      for (const f of [p.stdin, p.stdout, p.stderr]) f?.close();
      p.release();
      await proactor.close();
    }
  });

  it('a failed spawn leaves nothing open', () => {
    expect(
      () =>
        new Popen({ shell: false, argv: ['iocp-no-such-program-xyz'] }, checkOptions({}, 'pipe')),
    ).toThrow(/ENOENT/);
    if (!isWindows) {
      // The fd count is the leak check's job too; here the pipes made for
      // the failed child must be gone at once.
      const before = openFds();
      for (let i = 0; i < 20; i++) {
        expect(
          () => new Popen({ shell: false, argv: ['/nonexistent/prog'] }, checkOptions({}, 'pipe')),
        ).toThrow();
      }
      expect(openFds()).toBe(before);
    }
  });
});
