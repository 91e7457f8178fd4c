// Security (issue "Reliability and security"): no fd or handle of @iocp is
// inherited by a child process that did not ask for it, checked from
// inside the child. This process opens one of each kind: a proactor (its
// completion core: the io_uring ring, or the epoll fd and its eventfd; the
// completion port on Windows), a listening socket, a connected TCP pair, a
// socketpair, an Event, a pipe() pair, a pipe server and a client
// connected to it; then it starts a child with Node's child_process
// (inherit-child.js) and a control child before any of them was open.
//
// Linux: each child lists /proc/self/fd. The child started with everything
// open must hold exactly the same kinds of fds as the control child (Node's
// own), and none of ours (a socket or pipe inode of ours, or one of our fd
// numbers showing our fd's target).
// Windows: the child is handed our handle values and uses them through
// @iocp/native: on a handle it did not inherit each call fails. (A child
// could hold an unrelated handle of its own at the same value: the calls
// then fail too, as that handle is not an event set by us, a socket or a
// pipe; only an inherited handle makes them succeed.)
//
// The same check runs for a child started with our own subprocess API
// (@iocp/subprocess createSubprocessExec, its stdout and stderr given as
// fds).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { PipeServer } from '@iocp/pipes';
import { createSubprocessExec } from '@iocp/subprocess';
import { Event, IocpProactor, PIPE_PREFIX, Socket, pipe } from '@iocp/proactor';
import type { PipeHandle } from '@iocp/proactor';

import { backend, isWindows, startNode } from './helpers';

const SCRIPT = path.join(__dirname, 'inherit-child.js');

type Starter = 'child_process' | '@iocp/subprocess';

/** Runs inherit-child.js with `args`, started by `via`; resolves to what it printed. */
async function child(args: string[] = [], via: Starter = 'child_process'): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-inherit-'));
  try {
    if (via === 'child_process') {
      const c = startNode(dir, 'child', SCRIPT, args);
      const { code, err } = await c.exited;
      if (code !== 0) throw new Error(`the child failed (code ${code}): ${err}`);
    } else {
      const out = fs.openSync(path.join(dir, 'child.out'), 'w');
      const err = fs.openSync(path.join(dir, 'child.err'), 'w');
      let code: number;
      try {
        const p = await createSubprocessExec(process.execPath, [SCRIPT, ...args], { stdin: 'ignore', stdout: out, stderr: err });
        code = await p.wait();
      } finally {
        fs.closeSync(out);
        fs.closeSync(err);
      }
      if (code !== 0) throw new Error(`the child failed (code ${code}): ${fs.readFileSync(path.join(dir, 'child.err'), 'utf8')}`);
    }
    return JSON.parse(fs.readFileSync(path.join(dir, 'child.out'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** fd -> target of this process's fds (Linux). */
function fdTargets(): Map<string, string> {
  const m = new Map<string, string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      m.set(fd, fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The listing's own fd.
    }
  }
  return m;
}

/** "socket:[123]" -> "socket", "anon_inode:[eventfd]" stays whole: the kind of an fd. */
function kind(target: string): string {
  return target.replace(/^(socket|pipe):\[\d+\]$/, '$1').replace(/^\/.*/, 'file');
}

describe(`no fd or handle of ours reaches a child that did not ask for it (${backend})`, () => {
  it.each<Starter>(['child_process', '@iocp/subprocess'])('a child started with %s holds none of them', async (via) => {
    // The control child is started the same way (@iocp/subprocess closes
    // every fd from 3 up in the child, as CPython's close_fds; Node's
    // child_process passes on the fds of this process that are not
    // close-on-exec, such as a jest worker's channel).
    const control = isWindows ? null : ((await child([], via)) as string[]);
    const before = isWindows ? new Map<string, string>() : fdTargets();

    const proactor = new IocpProactor();
    const closeMe: Array<{ close(): unknown }> = [];
    try {
      const listener = new Socket('inet');
      closeMe.push(listener);
      listener.bind(['127.0.0.1', 0]);
      listener.listen();
      const client = new Socket('inet');
      closeMe.push(client);
      const [[accepted]] = await Promise.all([proactor.accept(listener), proactor.connect(client, listener.getsockname())]);
      closeMe.push(accepted);
      const pair = Socket.pair();
      closeMe.push(...pair);
      const event = new Event();
      closeMe.push(event);
      event.set();
      const pipes = pipe({ duplex: true });
      closeMe.push(...pipes);
      const address = `${PIPE_PREFIX}iocp-inherit-${process.pid}`;
      const server = new PipeServer(address);
      closeMe.push(server);
      const pipeClient: PipeHandle = await proactor.connectPipe(address);
      closeMe.push(pipeClient);

      if (isWindows) {
        const args = [
          `event:${event.handle}`,
          ...[listener, client, accepted, ...pair].map((s) => `socket:${s.fileno()}`),
          ...[...pipes, pipeClient].map((p) => `pipe:${p.handle}`),
        ];
        const tried = (await child(args, via)) as Array<[string, number | string]>;
        expect(tried.map(([arg]) => arg)).toEqual(args);
        // Every call failed: a negated error, not a result.
        expect(tried.filter(([, r]) => typeof r !== 'number' || r >= 0)).toEqual([]);
        return;
      }

      const ours = [...fdTargets()].filter(([fd, target]) => before.get(fd) !== target);
      // The objects above hold at least: 3 sockets + listener, 2 socketpair
      // ends, 1 eventfd, 2 pipe ends, the pipe server and its client, and
      // the proactor's own fds.
      expect(ours.length).toBeGreaterThanOrEqual(11);
      const seen = (await child([], via)) as string[];
      const inChild = new Map(seen.map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
      const leaked = ours.filter(([fd, target]) => inChild.get(fd) === target || (/\[\d+\]$/.test(target) && [...inChild.values()].includes(target)));
      expect(leaked).toEqual([]);
      // The same kinds of fds as the child started before any was open.
      const kinds = (lines: string[]): string[] => lines.map((l) => kind(l.slice(l.indexOf(' ') + 1))).sort();
      expect(kinds(seen)).toEqual(kinds(control!));
    } finally {
      for (const c of closeMe.reverse()) c.close();
      await proactor.close();
    }
  }, 60_000);
});
