// What the @iocp peers (peers/iocp-echo.mjs, peers/wakeup.mjs) need before
// they can serve: the built @iocp/proactor on the backend IOCP_BACKEND
// forces, and, for the "loop + Task" peers, a concrete event loop made the
// way users make one (`class L extends BaseEventLoop {}` from @iocp/futures).
import { requireIocp } from './iocp-require.mjs';

/**
 * Loads @iocp/proactor (and @iocp/futures with `loop: true`). Returns
 * { proactorPkg, futuresPkg?, backend } or { reason, detail? } when a peer
 * cannot run (the harness reports it `missing: <reason>`).
 */
export function loadIocp({ loop = false } = {}) {
  let proactorPkg;
  try {
    proactorPkg = requireIocp('@iocp/proactor');
  } catch (err) {
    if (err.missing) return { reason: '@iocp/proactor not built', detail: err.message };
    return { reason: `@iocp/proactor failed to load: ${err.message.split('\n')[0]}` };
  }
  const { IocpProactor, Socket, Event } = proactorPkg;
  if (typeof IocpProactor !== 'function' || typeof Socket !== 'function') {
    return { reason: '@iocp/proactor not built', detail: 'no IocpProactor/Socket export' };
  }
  if (typeof Event !== 'function') return { reason: '@iocp/proactor has no Event export' };
  let backend = 'unknown';
  try {
    backend = requireIocp('@iocp/native').backend;
  } catch (err) {
    return { reason: `@iocp/native failed to load: ${err.message.split('\n')[0]}` };
  }
  const wanted = process.env.IOCP_BACKEND;
  if (wanted && backend !== wanted) return { reason: `backend is ${backend}, not ${wanted}` };
  if (!loop) return { proactorPkg, backend };
  let futuresPkg;
  try {
    futuresPkg = requireIocp('@iocp/futures');
  } catch (err) {
    return { reason: err.missing ?? `@iocp/futures failed to load: ${err.message.split('\n')[0]}` };
  }
  if (typeof futuresPkg.BaseEventLoop !== 'function') {
    return { reason: '@iocp/futures has no BaseEventLoop export' };
  }
  return { proactorPkg, futuresPkg, backend };
}

/**
 * A new concrete loop, `class L extends BaseEventLoop {}` as users write
 * it, and a proactor whose futures belong to it (`proactor.setLoop(loop)`).
 */
export function makeLoop(futuresPkg, proactor) {
  const { BaseEventLoop } = futuresPkg;
  class L extends BaseEventLoop {}
  const loop = new L();
  for (const m of ['createTask', 'runForever']) {
    if (typeof loop[m] !== 'function') throw new Error(`BaseEventLoop lacks ${m}()`);
  }
  proactor.setLoop(loop);
  return loop;
}

/**
 * Starts `fn` as a Task of `loop` and keeps it referenced until it is done
 * (asyncio keeps only weak references to tasks, and so does @iocp/futures).
 * A task that fails ends the process: a peer that stops serving must not
 * look like a slow one.
 */
const live = new Set();
export function spawnTask(loop, fn, name) {
  const task = loop.createTask(fn, { name });
  live.add(task);
  task.addDoneCallback((t) => {
    live.delete(t);
    if (!t.cancelled() && t.exception()) {
      process.stderr.write(`${name}: ${t.exception().stack ?? t.exception()}\n`);
      process.exit(1);
    }
  });
  return task;
}

/** The `--check` answer of a Node peer: one JSON line. */
export function printCheck(loaded) {
  process.stdout.write(
    JSON.stringify(
      loaded.reason ? { ok: false, ...loaded } : { ok: true, backend: loaded.backend },
    ) + '\n',
  );
}

/** The echo Protocol of the @iocp peers: writes back every chunk it receives. */
export class EchoProtocol {
  connectionMade(transport) {
    this.transport = transport;
  }
  dataReceived(data) {
    this.transport.write(data);
  }
}

// The buffer of a BufferedEchoProtocol: a receive buffer, which the OS
// reads into directly (no copy), where @iocp/native has allocReceiveBuffer.
let allocBuffer = null;
function receiveBuffer(size) {
  if (allocBuffer === null) {
    const nativePkg = requireIocp('@iocp/native');
    allocBuffer =
      typeof nativePkg.allocReceiveBuffer === 'function'
        ? nativePkg.allocReceiveBuffer
        : (n) => Buffer.allocUnsafe(n);
  }
  return allocBuffer(size);
}

/**
 * The echo BufferedProtocol (asyncio's protocol for bulk data): every read
 * goes into the connection's one 64 KiB buffer (a receive buffer: the OS
 * writes it directly), and what arrived is written back from it (the
 * transport sends it at once or keeps a copy, so the buffer can take the
 * next read right away). No allocation and no copy per read.
 */
export class BufferedEchoProtocol {
  constructor() {
    this.buf = receiveBuffer(65536);
  }
  connectionMade(transport) {
    this.transport = transport;
  }
  getBuffer() {
    return this.buf;
  }
  bufferUpdated(n) {
    this.transport.write(this.buf.subarray(0, n));
  }
}
