#!/usr/bin/env node
// `pnpm test:asan`: builds @iocp/native with AddressSanitizer and
// UndefinedBehaviorSanitizer (packages/native/build-asan/iocp.node) and runs
// the whole jest suite (every package) against it, once per Linux backend
// (IOCP_BACKEND=io_uring, then epoll; the native suite also covers every
// available backend through describe.each).
//
// Node itself is not instrumented, so the gcc ASan runtime is preloaded
// (LD_PRELOAD of `gcc -print-file-name=libasan.so`). LeakSanitizer runs when
// jest exits, so memory the addon loses fails the run (V8's own heap
// metadata still held at exit is suppressed by name, lsan-suppressions.txt);
// memory it leaks on purpose (operations the kernel may still touch at
// teardown, see native.leakedOperations()) would be reported too, and no
// test leaves one. Any ASan or UBSan report aborts the process, which fails
// the run.
//   -- <jest args>   passed to jest (e.g. a path filter)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const nativeDir = join(root, 'packages', 'native');
const addon = join(nativeDir, 'build-asan', 'iocp.node');
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const jestArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];

if (process.platform !== 'linux') {
  console.error('test:asan runs on Linux only (the gcc ASan runtime is preloaded into node).');
  process.exit(1);
}

function run(cmd, args, options = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw r.error;
  return r.status ?? (r.signal ? 128 : 1);
}

if (
  run(process.execPath, [join(nativeDir, 'scripts', 'build.mjs'), '--asan']) !== 0 ||
  !existsSync(addon)
) {
  console.error(`ASan build failed: ${addon} is missing`);
  process.exit(1);
}

let runtime;
try {
  runtime = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
} catch {
  runtime = '';
}
if (!runtime.startsWith('/') || !existsSync(runtime)) {
  console.error(
    'The gcc ASan runtime (libasan.so) was not found. Install it with: apt-get install -y gcc',
  );
  process.exit(1);
}

const results = [];
for (const backend of ['io_uring', 'epoll']) {
  const status = run(
    process.execPath,
    [jestBin, '--ci', '--runInBand', ...jestArgs],
    {
      env: {
        ...process.env,
        IOCP_BACKEND: backend,
        IOCP_NATIVE_PATH: addon,
        // Time-bound tests (the wake-up regression test) scale their bounds.
        IOCP_TEST_SLOWDOWN: '3',
        LD_PRELOAD: [runtime, process.env.LD_PRELOAD].filter(Boolean).join(' '),
        // abort_on_error makes a report fail the test run even inside jest.
        ASAN_OPTIONS:
          'detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0',
        LSAN_OPTIONS: `suppressions=${join(root, 'scripts', 'lsan-suppressions.txt')}:print_suppressions=0`,
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:abort_on_error=1',
      },
    },
  );
  results.push({ backend, ok: status === 0 });
  console.log(`\n== asan ${backend}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`}`);
}
const ok = results.every((r) => r.ok);
console.log(
  `\n== ASan: ${results.map((r) => `${r.backend} ${r.ok ? 'ok' : 'FAILED'}`).join(', ')}`,
);
process.exit(ok ? 0 : 1);
