// @iocp echo server: IocpProactor + Socket from @iocp/proactor (API.md), an
// accept loop, then per connection recvInto -> send until EOF. The backend is
// whatever IOCP_BACKEND forces (the harness runs it with io_uring and with
// epoll). Two styles:
// - default: the raw proactor in plain async functions, no event loop and
//   no Task (the futures are loop-less and settle on microtasks);
// - --task: the way users write code: a concrete BaseEventLoop subclass
//   from @iocp/futures, proactor.setLoop(loop), the accept loop and one Task
//   per connection made with loop.createTask(), run by loop.runForever().
// Usage: node iocp-echo.mjs [--task] (--port N | --unix PATH) | node iocp-echo.mjs [--task] --check
// --check prints one JSON line: {"ok":true,"backend":...} or {"ok":false,"reason":...}.
// Prints "LISTENING <port-or-path>" once ready; exits when stdin closes.
import fs from 'node:fs';
import { loadIocp, makeLoop, printCheck, spawnTask } from '../lib/iocp-peer.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const withTask = args.includes('--task');

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

/** The listening socket, bound and listening; prints LISTENING once ready. */
function listen(Socket) {
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
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.stdout.write(`LISTENING ${unixPath ?? listener.getsockname()[1]}\n`);
  return { listener, tcp: !unixPath };
}

/** Accepts forever; `start(conn)` serves each connection. */
async function acceptLoop(proactor, listener, tcp, start) {
  for (;;) {
    const [conn] = await proactor.accept(listener);
    if (tcp) conn.setsockopt('TCP_NODELAY', 1);
    start(conn);
  }
}

async function main({ proactorPkg, futuresPkg }) {
  const { IocpProactor, Socket } = proactorPkg;
  const proactor = new IocpProactor();
  if (!withTask) {
    // The raw proactor: plain async functions awaiting its futures.
    const { listener, tcp } = listen(Socket);
    await acceptLoop(proactor, listener, tcp, (conn) => serve(proactor, conn));
    return;
  }
  // A loop and Tasks, as users write it.
  const loop = makeLoop(futuresPkg, proactor);
  const { listener, tcp } = listen(Socket);
  spawnTask(
    loop,
    () =>
      acceptLoop(proactor, listener, tcp, (conn) =>
        spawnTask(loop, () => serve(proactor, conn), 'iocp-echo connection'),
      ),
    'iocp-echo accept',
  );
  await loop.runForever();
}

const loaded = loadIocp({ loop: withTask });
if (args.includes('--check')) {
  printCheck(loaded);
} else if (loaded.reason) {
  process.stderr.write(`iocp-echo: ${loaded.reason}\n`);
  process.exit(1);
} else {
  main(loaded).catch((err) => {
    process.stderr.write(`iocp-echo: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
