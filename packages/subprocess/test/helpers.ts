// Helpers of the @iocp/subprocess tests: the child program (this very Node,
// process.execPath, so that the tests run under Wine too), scripts it runs,
// and a loop per test.
import * as fs from 'node:fs';

import { native } from '@iocp/native';
import { BaseProactorEventLoop } from '@iocp/proactor';

export const isWindows = process.platform === 'win32';
export const isWine = native.isWine();
/** The child program of every test: this Node. */
export const NODE = process.execPath;

/** Child scripts (node -e). */
export const SCRIPTS = {
  /** Copies stdin to stdout as it comes (a streaming echo). */
  echo: 'process.stdin.pipe(process.stdout)',
  /** Reads one line, writes it upper-cased to stdout and 'stderr' to stderr (test_windows_utils test_popen). */
  upperLine:
    "let s='';process.stdin.on('data',d=>{s+=d;const i=s.indexOf('\\n');if(i>=0){process.stdout.write(s.slice(0,i+1).toUpperCase());process.stderr.write('stderr');process.stdin.destroy();}})",
  /** Says 'ready' on stdout, then runs until killed. */
  sleeper: "process.stdout.write('ready\\n');setInterval(()=>{},1000)",
  /** Writes to stdout and stderr, then exits. */
  outErr: "process.stdout.write('stdout');process.stderr.write('stderr')",
  /** Exits with the code given as argument. */
  exitWith: 'process.exitCode=Number(process.argv[1])',
  /** Prints its arguments as JSON. */
  argv: 'process.stdout.write(JSON.stringify(process.argv.slice(1)))',
  /** Writes argv[1] KiB of 'x' to stdout, in 64 KiB writes. */
  bigOut:
    "let left=Number(process.argv[1])*1024;const b=Buffer.alloc(65536,120);(function w(){while(left>0){const n=Math.min(left,65536);left-=n;if(!process.stdout.write(n===65536?b:b.subarray(0,n)))return process.stdout.once('drain',w)}})()",
  /** Closes stdin at once, says so, then waits a bit for the parent's write. */
  closeStdin:
    "require('fs').closeSync(0);process.stdout.write('closed\\n');setInterval(()=>{},1000)",
} as const;

/** [program, args] running `script` in a child Node. */
export function node(script: string, ...args: string[]): [string, string[]] {
  return [NODE, ['-e', script, ...args]];
}

/** Open fds of this process (Linux), or -1 where /proc is not there. */
export function openFds(): number {
  if (process.platform !== 'linux') return -1;
  return fs.readdirSync('/proc/self/fd').length;
}

/** Runs `fn` as a task of a new BaseProactorEventLoop, then closes the loop. */
export async function inLoop<T>(fn: (loop: BaseProactorEventLoop) => Promise<T>): Promise<T> {
  const loop = new BaseProactorEventLoop();
  try {
    return await loop.runUntilComplete(() => fn(loop));
  } finally {
    await loop.close();
  }
}

/** The exit status a kill() or terminate() gives: -signal on Linux, 1 on Windows (TerminateProcess). */
export function killedStatus(sig: 'SIGKILL' | 'SIGTERM'): number {
  return isWindows ? 1 : -(sig === 'SIGKILL' ? 9 : 15);
}
