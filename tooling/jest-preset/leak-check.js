// Leak check for every test file (setupFilesAfterEnv of the shared preset):
// what a file opens, it closes. Before the file's first test it records the
// process's open file descriptors (Linux: /proc/self/fd) or handles
// (Windows: GetProcessHandleCount, through @iocp/native's
// processHandleCount()), the operations pending in @iocp's completion cores
// (pendingOperations(): every proactor of this thread) and Node's active
// resources by kind (process.getActiveResourcesInfo(): sockets, timers,
// handles libuv keeps alive); after its last test it waits briefly for
// closes still in flight (a Node socket closes on a later turn), then fails
// the file if any grew, naming what is left (the fd targets, the resource
// kinds).
//
// A file that knowingly keeps something for the process's lifetime (a
// module-level cache) can say so: `globalThis.__iocpLeakAllowance = { fds: 1 }`
// (`handles` for Windows handles).
const fs = require('node:fs');

const FD_DIR = '/proc/self/fd';
const hasProc = process.platform === 'linux' && fs.existsSync(FD_DIR);
const SETTLE_MS = 3000;
// Windows: the thread pool's worker threads (which run the handle waits'
// callbacks) exit after 5 s idle, each taking its thread handle with it;
// a file that ends right after a burst of waits has their handles open.
// When handles are all that is left over, the check waits this long for
// them to go.
const THREAD_POOL_SETTLE_MS = 8000;

function openFds() {
  if (!hasProc) return new Map();
  const fds = new Map();
  for (const name of fs.readdirSync(FD_DIR)) {
    let target = '?';
    try {
      target = fs.readlinkSync(`${FD_DIR}/${name}`);
    } catch {
      continue; // The directory's own fd, closed by now.
    }
    fds.set(name, target);
  }
  return fds;
}

// @iocp/native's counters, or null where the addon is not built (a package
// tested before the native build).
let native = null;
try {
  native = require('@iocp/native').native;
} catch {
  native = null;
}

// Windows: the first Core of an environment loads state that lives as long
// as the environment (the Winsock extension functions: 3 handles, kept
// until exit), and the first randomBytes opens the crypto provider. One
// Core made and closed, and one randomBytes, before the baseline keep those
// out of the first file that uses them.
function warmUp() {
  if (native === null || process.platform !== 'win32') return;
  const { Core } = require('@iocp/native');
  new Core(() => {}).close();
  require('node:crypto').randomBytes(1);
}

// Windows: some handles outlive the file that made them without being
// leaks: those made once per process on first use, by Windows, Wine or Node
// (seen under Wine: the job object libuv makes at its first child process,
// handles of the first worker thread, of the first named pipe), and the
// handle of the thread pool's wait thread, which stays seconds after the
// last wait (4 s after a few waits, about 10 s after packages/native's
// win-wait.test.ts), and the handles of the pool's worker threads, whose
// number drifts with the load (the handle waits' callbacks run there). So
// the count is compared with the highest count any earlier file of this
// process (jest worker) ended with: only a count above that high-water mark
// is new, and a file may add up to FIRST_USE_HANDLES above it (the pool's
// drift). A handle lost per operation passes that at once; a file that
// leaves 10 events open fails. (An earlier version charged every new
// handle to a budget for the whole process: the pool's drift used it up
// after a few hundred files and failed innocent ones.)
const FIRST_USE_HANDLES = 8;
const shared = require('node:child_process');
const STATE = Symbol.for('iocp.leakCheck.handles');
if (shared[STATE] === undefined) shared[STATE] = { budget: FIRST_USE_HANDLES, highWater: -1 };
const handleState = shared[STATE];

function handleCount() {
  return native !== null && process.platform === 'win32' ? native.processHandleCount() : 0;
}

function pendingOperations() {
  return native !== null ? native.pendingOperations() : 0;
}

function resources() {
  const counts = new Map();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

let before = null;

// budget: how many handles above the high-water mark are accepted (the
// first-use budget once the wait for closes in flight is over, 0 while it
// lasts).
function growth(budget) {
  const allowance = globalThis.__iocpLeakAllowance ?? {};
  const problems = [];
  const fds = openFds();
  const added = [...fds].filter(([fd, target]) => before.fds.get(fd) !== target);
  if (fds.size - before.fds.size > (allowance.fds ?? 0) && added.length > 0) {
    problems.push(`${fds.size - before.fds.size} more open fds: ${added.map(([fd, t]) => `${fd} -> ${t}`).join(', ')}`);
  }
  const handles = handleCount();
  const mark = Math.max(handleState.highWater, before.handles);
  if (handles - before.handles > (allowance.handles ?? 0) && handles > mark + budget) {
    problems.push(
      `${handles - before.handles} more open handles (GetProcessHandleCount: ${handles}, the highest an ` +
        `earlier file left ${mark}; a file may add ${FIRST_USE_HANDLES} above it)`,
    );
  }
  const pending = pendingOperations();
  if (pending > before.pending) problems.push(`${pending - before.pending} more operations pending in @iocp proactors`);
  const now = resources();
  for (const [kind, n] of now) {
    const was = before.resources.get(kind) ?? 0;
    if (n > was + (allowance[kind] ?? 0)) problems.push(`${n - was} more active ${kind}`);
  }
  return problems;
}

beforeAll(() => {
  warmUp();
  before = { fds: openFds(), handles: handleCount(), pending: pendingOperations(), resources: resources() };
});

afterAll(async () => {
  if (before === null) return;
  const deadline = Date.now() + SETTLE_MS;
  let problems = growth(0);
  while (problems.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    problems = growth(0);
  }
  const handlesOnly = () => problems.length > 0 && problems.every((p) => p.includes('more open handles'));
  const poolDeadline = Date.now() + THREAD_POOL_SETTLE_MS;
  while (handlesOnly() && Date.now() < poolDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    problems = growth(0);
  }
  if (problems.length > 0) problems = growth(handleState.budget);
  if (problems.length > 0) {
    throw new Error(`This test file leaked (left open after its last test): ${problems.join('; ')}`);
  }
  const handles = handleCount();
  const mark = Math.max(handleState.highWater, before.handles);
  handleState.highWater = Math.max(mark, handles);
}, SETTLE_MS + THREAD_POOL_SETTLE_MS + 10000);
