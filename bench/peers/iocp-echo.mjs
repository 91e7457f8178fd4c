// @iocp echo server: IocpProactor + Socket from @iocp/proactor (API.md),
// an accept loop, then per connection recvInto -> send until EOF, in plain
// async functions (no event loop, no Task). The backend
// is whatever IOCP_BACKEND forces (the harness runs it with io_uring and with
// epoll).
// Usage: node iocp-echo.mjs (--port N | --unix PATH) | node iocp-echo.mjs --check
// --check prints one JSON line: {"ok":true,"backend":...} or {"ok":false,"reason":...}.
// Prints "LISTENING <port-or-path>" once ready; exits when stdin closes.
import fs from 'node:fs';
import { requireIocp } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function load() {
  let proactorPkg;
  try {
    proactorPkg = requireIocp('@iocp/proactor');
  } catch (err) {
    if (err.missing) return { reason: '@iocp/proactor not built', detail: err.message };
    return { reason: `@iocp/proactor failed to load: ${err.message.split('\n')[0]}` };
  }
  const { IocpProactor, Socket } = proactorPkg;
  if (typeof IocpProactor !== 'function' || typeof Socket !== 'function') {
    return { reason: '@iocp/proactor not built', detail: 'no IocpProactor/Socket export' };
  }
  let backend = 'unknown';
  try {
    backend = requireIocp('@iocp/native').backend;
  } catch (err) {
    return { reason: `@iocp/native failed to load: ${err.message.split('\n')[0]}` };
  }
  const wanted = process.env.IOCP_BACKEND;
  if (wanted && backend !== wanted) return { reason: `backend is ${backend}, not ${wanted}` };
  return { proactorPkg, backend };
}

async function serve(proactor, conn) {
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = await proactor.recvInto(conn, buf);
      if (n === 0) break;
      let off = 0;
      while (off < n) off += await proactor.send(conn, buf.subarray(off, n));
    }
  } catch {
    // A reset peer ends the connection like EOF does.
  } finally {
    conn.close();
  }
}

// The raw proactor, as the issue asks: plain async functions awaiting its
// futures, no event loop and no Task (futures settle on microtasks).
async function main(proactorPkg) {
  const { IocpProactor, Socket } = proactorPkg;
  const proactor = new IocpProactor();
  const unixPath = opt('--unix');
  const listener = new Socket(unixPath ? 'unix' : 'inet');
  if (unixPath) {
    fs.rmSync(unixPath, { force: true });
    listener.bind(unixPath);
  } else {
    listener.setsockopt('SO_REUSEADDR', 1);
    listener.bind(['127.0.0.1', Number(opt('--port') ?? 0)]);
  }
  listener.listen(4096);
  const where = unixPath ?? listener.getsockname()[1];
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.stdout.write(`LISTENING ${where}\n`);
  for (;;) {
    const [conn] = await proactor.accept(listener);
    if (!unixPath) conn.setsockopt('TCP_NODELAY', 1);
    serve(proactor, conn);
  }
}

const loaded = load();
if (args.includes('--check')) {
  process.stdout.write(
    JSON.stringify(
      loaded.reason ? { ok: false, ...loaded } : { ok: true, backend: loaded.backend },
    ) + '\n',
  );
} else if (loaded.reason) {
  process.stderr.write(`iocp-echo: ${loaded.reason}\n`);
  process.exit(1);
} else {
  main(loaded.proactorPkg).catch((err) => {
    process.stderr.write(`iocp-echo: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
