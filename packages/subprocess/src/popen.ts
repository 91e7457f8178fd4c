// Port of windows_utils.py Popen (and the parts of subprocess.Popen and
// unix_events.py _UnixSubprocessTransport._start it relies on): a child
// process whose 'pipe' slots are pipes with an overlapped (non-blocking)
// end here, for the proactor, and a synchronous (blocking) end in the
// child. As CPython, the child's stdin is a duplex pipe (Windows: a named
// pipe both ways; Linux: a socketpair), so that a read of our end tells
// when the child closes its end; stdout and stderr are one-way pipes.
// The child's ends are closed here right after the spawn, whatever its
// outcome; on failure our ends are closed too, so nothing leaks.
import * as fs from 'node:fs';

import { osErrorFromNative } from '@iocp/futures';
import { STDIO_INHERIT, STDIO_NULL, native } from '@iocp/native';
import { PipeHandle } from '@iocp/proactor';

import { list2cmdline } from './list2cmdline';
import type { CheckedOptions, StdioSlot } from './options';
import { resolveProgram } from './resolve-program';
import { SIGKILL, SIGTERM } from './signals';

const isWindows = process.platform === 'win32';
const ESRCH = 3;
// Windows: the pipes' buffer size. CPython's windows_utils.BUFSIZE is 8 KiB;
// 64 KiB (one read of the transports) lets a child write more before it
// blocks. Linux ignores it.
const PIPE_BUFSIZE = 64 * 1024;

/** How to start the child: an argv (exec) or a command line for the shell. */
export type Command = { shell: false; argv: readonly string[] } | { shell: true; cmd: string };

// Port of subprocess.py Popen._execute_child's shell handling (gh-101283):
// %ComSpec%, else %SystemRoot%\System32\cmd.exe, run as `comspec /c "cmd"`.
function windowsShell(cmd: string): [file: string, commandLine: string] {
  let comspec = process.env.ComSpec ?? process.env.COMSPEC;
  if (!comspec) {
    const root = process.env.SystemRoot ?? process.env.SYSTEMROOT ?? '';
    comspec = `${root}\\System32\\cmd.exe`;
    if (!/^[A-Za-z]:\\/.test(comspec)) {
      throw osErrorFromNative(2, 'spawn', {
        message: 'shell not found: neither %ComSpec% nor %SystemRoot% is set',
      });
    }
  }
  const absolute = /^([A-Za-z]:)?\\/.test(comspec);
  return [absolute ? comspec : '', `${comspec} /c "${cmd}"`];
}

// Windows: a program given by a path that names a directory is refused
// with ERROR_ACCESS_DENIED (a PermissionError), as CreateProcessW does on
// Windows; Wine answers ERROR_FILE_NOT_FOUND instead, so it is checked
// here (one stat, only for a name that holds a path separator).
function refuseDirectory(program: string): void {
  if (!/[\\/]/.test(program)) return;
  let dir = false;
  try {
    dir = fs.statSync(program).isDirectory();
  } catch {
    return; // Not there: CreateProcessW says so.
  }
  if (dir) throw osErrorFromNative(5, `spawn ${program}`);
}

/** The arguments of native.spawnProcess for `command`: [file, argv, commandLine, name]. */
function programOf(command: Command, opts: CheckedOptions): [string, string[], string, string] {
  if (isWindows) {
    if (command.shell) {
      const [file, commandLine] = windowsShell(command.cmd);
      return [file, [], commandLine, file || 'cmd.exe'];
    }
    refuseDirectory(command.argv[0]);
    return ['', [], list2cmdline(command.argv), command.argv[0]];
  }
  if (command.shell) return ['/bin/sh', ['/bin/sh', '-c', command.cmd], '', '/bin/sh'];
  const file = resolveProgram(command.argv[0], opts.path, opts.cwd);
  return [file, [...command.argv], '', command.argv[0]];
}

export class Popen {
  readonly pid: number;
  /** @internal The process handle (Windows) or pidfd (Linux); -1 once released. */
  _handle: number;
  /** @internal The Job Object (Windows) or process group (Linux) with killTree, else 0. */
  _group: number;
  readonly killTree: boolean;
  /** Our ends of the 'pipe' slots (overlapped), null for the others. */
  readonly stdin: PipeHandle | null;
  readonly stdout: PipeHandle | null;
  readonly stderr: PipeHandle | null;
  /** The exit status once known: the code, or -signal on Linux. */
  returncode: number | null = null;

  constructor(command: Command, opts: CheckedOptions) {
    const [file, argv, commandLine, name] = programOf(command, opts);
    // Handles to close whatever happens (the child's ends), and ours,
    // closed only on failure.
    const childEnds: number[] = [];
    const ours: PipeHandle[] = [];
    try {
      let stdinH = STDIO_INHERIT;
      let stdoutH = STDIO_INHERIT;
      let stderrH = STDIO_INHERIT;
      let stdin: PipeHandle | null = null;
      let stdout: PipeHandle | null = null;
      let stderr: PipeHandle | null = null;
      // stdin: [child's end (synchronous), our end (overlapped)], duplex.
      if (opts.stdin.kind === 'pipe') {
        const [child, mine] = pair(true, false, true);
        childEnds.push(child);
        stdin = adopt(ours, mine);
        stdinH = child;
      } else {
        stdinH = slotHandle(opts.stdin, 0);
      }
      // stdout, stderr: [our read end (overlapped), child's write end].
      if (opts.stdout.kind === 'pipe') {
        const [mine, child] = pair(false, true, false);
        childEnds.push(child);
        stdout = adopt(ours, mine);
        stdoutH = child;
      } else {
        stdoutH = slotHandle(opts.stdout, 1);
      }
      if (opts.stderr.kind === 'pipe') {
        const [mine, child] = pair(false, true, false);
        childEnds.push(child);
        stderr = adopt(ours, mine);
        stderrH = child;
      } else if (opts.stderr.kind === 'stdout') {
        // The very handle of stdout (the parent's own stdout if inherited).
        stderrH = stdoutH === STDIO_INHERIT ? slotHandle({ kind: 'fd', fd: 1 }, 1) : stdoutH;
      } else {
        stderrH = slotHandle(opts.stderr, 2);
      }
      const r = native.spawnProcess(
        file,
        argv,
        commandLine,
        opts.env,
        opts.cwd,
        stdinH,
        stdoutH,
        stderrH,
        opts.killTree,
      );
      if (typeof r === 'number') throw osErrorFromNative(-r, `spawn ${name}`);
      [this.pid, this._handle, this._group] = r;
      this.killTree = opts.killTree;
      this.stdin = stdin;
      this.stdout = stdout;
      this.stderr = stderr;
      ours.length = 0;
    } finally {
      for (const h of childEnds) native.closeHandle(h);
      for (const p of ours) p.close();
    }
  }

  toString(): string {
    return `<Popen pid=${this.pid} returncode=${this.returncode}>`;
  }

  // Port of subprocess.Popen.poll: the exit status without blocking, kept
  // once known (the native status reaps the child on Linux, so it is asked
  // once the child exited, and never again).
  poll(): number | null {
    if (this.returncode !== null || this._handle < 0) return this.returncode;
    const r = native.processStatus(this._handle, this.pid);
    if (typeof r === 'number') throw osErrorFromNative(-r, 'processStatus');
    const [state, value] = r;
    // Windows: an exit code is a DWORD (an NTSTATUS such as 0xC0000005
    // comes back negative from the addon), unsigned as CPython reports it.
    if (state === 1) this.returncode = isWindows ? value >>> 0 : value;
    else if (state === 2) this.returncode = -value;
    return this.returncode;
  }

  /**
   * Sends `sig` (a native number, see signals.ts) to the child, or to its
   * whole group with killTree. A child that already exited is left alone,
   * as CPython's send_signal does (ProcessLookupError is ignored).
   */
  sendSignal(sig: number): void {
    if (this._handle < 0) return;
    if (this.returncode !== null && !this.killTree) return;
    const r = native.processSignal(this._handle, this.pid, this._group, sig, this.killTree);
    if (r < 0 && !(-r === ESRCH && !isWindows)) throw osErrorFromNative(-r, 'kill');
  }

  terminate(): void {
    this.sendSignal(SIGTERM);
  }

  kill(): void {
    this.sendSignal(SIGKILL);
  }

  /** Closes the process handle (and the Job Object); signals are no-ops after. */
  release(): void {
    if (this._handle >= 0) native.closeHandle(this._handle);
    this._handle = -1;
    if (isWindows && this._group !== 0) native.closeHandle(this._group);
    this._group = 0;
  }
}

/** native.pipePair, or the OSError. */
function pair(
  duplex: boolean,
  overlappedRead: boolean,
  overlappedWrite: boolean,
): [number, number] {
  const r = native.pipePair(duplex, overlappedRead, overlappedWrite, PIPE_BUFSIZE);
  if (typeof r === 'number') throw osErrorFromNative(-r, 'pipe');
  return r;
}

function adopt(ours: PipeHandle[], handle: number): PipeHandle {
  const p = new PipeHandle(handle);
  ours.push(p);
  return p;
}

/** The native stdio value of a slot that is not a pipe. */
function slotHandle(slot: StdioSlot, _which: number): number {
  if (slot.kind === 'inherit') return STDIO_INHERIT;
  if (slot.kind === 'ignore') return STDIO_NULL;
  if (slot.kind === 'fd') {
    const h = native.fdToHandle(slot.fd);
    if (h < 0)
      throw osErrorFromNative(-h, 'spawn', { message: `not an open file descriptor: ${slot.fd}` });
    return h;
  }
  return STDIO_INHERIT;
}
