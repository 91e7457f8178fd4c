// Fault test: io_uring refused at start. A child process runs under a
// seccomp filter that makes io_uring_setup fail (EPERM, as Docker's default
// profile and kernel.io_uring_disabled=2 do, or ENOSYS, as an old kernel
// does); the filter is a tiny C helper compiled here with cc. By default the
// addon falls back to epoll and says so in exactly one NODE_DEBUG=iocp line;
// IOCP_BACKEND=io_uring fails loudly at load with the OS error. Linux only:
// io_uring, epoll and seccomp are Linux's (Windows always uses IOCP, so the
// Wine leg has nothing to show).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { availableBackends } from '@iocp/native';

const helperSource = `
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* argv[1]: the errno io_uring_setup fails with; argv[2...]: the program. */
int main(int argc, char** argv) {
  if (argc < 3) return 125;
  unsigned err = (unsigned)atoi(argv[1]);
  struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 126;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return 126;
  execv(argv[2], argv + 2);
  return 127;
}
`;

// The child loads the built package, as a user's program would.
const nativeDist = path.join(__dirname, '..', 'dist', 'index.js');
const child = `const n = require(${JSON.stringify(nativeDist)}); console.log(n.backend + ' ' + JSON.stringify(n.availableBackends()));`;
const EPERM = 1;
const ENOSYS = 38;

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('io_uring refused at start (seccomp)', () => {
  let dir: string;
  let helper: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-seccomp-'));
    fs.writeFileSync(path.join(dir, 'deny.c'), helperSource);
    helper = path.join(dir, 'deny');
    // A test that cannot build its helper fails: it never passes silently.
    // The compiler runs without the sanitizer runtime `pnpm test:asan`
    // preloads (LeakSanitizer would fail the compiler's own exit).
    const ccEnv = { ...process.env };
    for (const name of ['LD_PRELOAD', 'ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS']) delete ccEnv[name];
    execFileSync('cc', ['-O1', '-o', helper, path.join(dir, 'deny.c')], { stdio: 'pipe', env: ccEnv });
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the child under the filter (errno, or null for no filter). */
  function run(errno: number | null, env: Record<string, string>) {
    const base = { ...process.env };
    delete base.IOCP_BACKEND; // The leg's choice must not leak into the child.
    delete base.NODE_DEBUG;
    // Under `pnpm test:asan` the child loads the sanitized addon too; its
    // stderr must stay what the test checks (no leak report at its exit).
    if (base.ASAN_OPTIONS) base.ASAN_OPTIONS = base.ASAN_OPTIONS.replace('detect_leaks=1', 'detect_leaks=0');
    const argv = ['-e', child];
    const r =
      errno === null
        ? spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...base, ...env } })
        : spawnSync(helper, [String(errno), process.execPath, ...argv], {
            encoding: 'utf8',
            env: { ...base, ...env },
          });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
  }

  it('without the filter, the child picks the same default as this process', () => {
    expect(run(null, {}).stdout).toBe(
      `${availableBackends()[0]} ${JSON.stringify(availableBackends())}`,
    );
  });

  for (const [name, errno] of [
    ['EPERM', EPERM],
    ['ENOSYS', ENOSYS],
  ] as const) {
    it(`io_uring_setup failing with ${name}: the default falls back to epoll, silently`, () => {
      const r = run(errno, {});
      expect(r).toEqual({ status: 0, stdout: 'epoll ["epoll"]', stderr: '' });
    });

    it(`io_uring_setup failing with ${name}: NODE_DEBUG=iocp prints exactly one line saying why`, () => {
      const r = run(errno, { NODE_DEBUG: 'iocp' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('epoll ["epoll"]');
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^IOCP \\d+: backend epoll: io_uring is not available \\(io_uring_setup failed with ${name} \\(`,
        ),
      );
    });

    it(`io_uring_setup failing with ${name}: IOCP_BACKEND=io_uring fails loudly at load with the OS error`, () => {
      const r = run(errno, { IOCP_BACKEND: 'io_uring' });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `IOCP_BACKEND=io_uring: io_uring is not available: io_uring_setup failed with ${name}`,
      );
    });
  }

  it('IOCP_BACKEND=epoll under the filter loads epoll without a word', () => {
    expect(run(EPERM, { IOCP_BACKEND: 'epoll', NODE_DEBUG: 'iocp' })).toEqual({
      status: 0,
      stdout: 'epoll ["epoll"]',
      stderr: '',
    });
  });
});
