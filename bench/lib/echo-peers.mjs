// The echo-server peers: the C ceilings, Node, CPython asyncio (two styles),
// uvloop and @iocp on each Linux backend (loop-less, and with a loop and a
// Task per connection). A peer is { id, label, kind,
// check(ctx) -> reason | null, command(ctx) -> [cmd, args, env] }; the
// address arguments (--port 0 or --unix PATH) are added by the runner.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPeer, run } from './procs.mjs';
import { PYTHON } from './system.mjs';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const SETUP_HINT = 'run: node bench/run.mjs --setup';

async function pythonMissing(extra = []) {
  const r = await run(PYTHON, [path.join(PEERS_DIR, 'asyncio-echo.py'), '--check', ...extra], {
    timeoutMs: 15000,
  });
  if (r.code === 0) return null;
  if (r.code === -1) return `${PYTHON} not found`;
  return `${(r.stdout || r.stderr).trim().split('\n')[0]} (${SETUP_HINT})`;
}

function iocpMissing(backend, style) {
  return checkPeer([path.join(PEERS_DIR, 'iocp-echo.mjs'), ...style, '--check'], {
    env: { IOCP_BACKEND: backend },
  });
}

/** @iocp on one backend: loop-less, or (`task`) a BaseEventLoop with a Task per connection. */
const iocp = (backend, id, task = false) => {
  const style = task ? ['--task'] : [];
  return {
    id,
    label: `@iocp (${backend})${task ? ', loop + Task' : ''}`,
    kind: 'iocp',
    check: () => iocpMissing(backend, style),
    command: () => [
      process.execPath,
      [path.join(PEERS_DIR, 'iocp-echo.mjs'), ...style],
      { IOCP_BACKEND: backend },
    ],
  };
};

/** @iocp's layers on one backend: a BaseProactorEventLoop serving in `style` (peers/iocp-layers-echo.mjs). */
const LAYER_LABELS = {
  protocol: 'Protocol',
  buffered: 'BufferedProtocol',
  'streams-read': 'streams read(n)',
  'streams-line': 'streams readline',
  duplex: 'asDuplex pipe',
};
export const iocpLayer = (backend, style) => {
  const script = path.join(PEERS_DIR, 'iocp-layers-echo.mjs');
  return {
    id: `iocp-${style}-${backend === 'io_uring' ? 'uring' : backend}`,
    label: `@iocp (${backend}) ${LAYER_LABELS[style]}`,
    kind: 'iocp',
    check: () =>
      checkPeer([script, '--style', style, '--check'], { env: { IOCP_BACKEND: backend } }),
    command: () => [process.execPath, [script, '--style', style], { IOCP_BACKEND: backend }],
  };
};

/** The iocp meta-package's SelectorEventLoop (Node net underneath) serving the same Protocol. */
export const SELECTOR_PROTOCOL = {
  id: 'iocp-selector-protocol',
  label: 'iocp SelectorEventLoop (Node net) Protocol',
  kind: 'iocp',
  check: () =>
    checkPeer([path.join(PEERS_DIR, 'iocp-layers-echo.mjs'), '--loop', 'selector', '--check']),
  command: () => [
    process.execPath,
    [path.join(PEERS_DIR, 'iocp-layers-echo.mjs'), '--loop', 'selector', '--style', 'protocol'],
  ],
};

const asyncio = (id, label, args, checkArgs = []) => ({
  id,
  label,
  kind: 'python',
  check: () => pythonMissing(checkArgs),
  command: () => [PYTHON, [path.join(PEERS_DIR, 'asyncio-echo.py'), ...args]],
});

export const C_EPOLL = {
  id: 'c-epoll',
  label: 'C epoll (ceiling)',
  kind: 'ceiling',
  check: (ctx) => ctx.bins['echo-epoll'].missing ?? null,
  command: (ctx) => [ctx.bins['echo-epoll'].path, []],
};

export const C_URING = {
  id: 'c-uring',
  label: 'C io_uring (ceiling)',
  kind: 'ceiling',
  async check(ctx) {
    const bin = ctx.bins['echo-uring'];
    if (bin.missing) return bin.missing;
    const r = await run(bin.path, ['--check'], { timeoutMs: 10000 });
    return r.code === 0 ? null : `io_uring unavailable: ${r.stdout.trim() || r.stderr}`;
  },
  command: (ctx) => [ctx.bins['echo-uring'].path, []],
};

export const NODE_NET = {
  id: 'node',
  label: 'Node net',
  kind: 'node',
  command: () => [process.execPath, [path.join(PEERS_DIR, 'node-echo.mjs')]],
};

/** Every echo peer, in the order they run within a round. */
export const ECHO_PEERS = [
  C_EPOLL,
  C_URING,
  NODE_NET,
  asyncio('asyncio-protocol', 'asyncio Protocol', ['--style', 'protocol']),
  asyncio('asyncio-streams', 'asyncio streams', ['--style', 'streams']),
  asyncio('uvloop', 'uvloop Protocol', ['--style', 'protocol', '--uvloop'], ['--uvloop']),
  iocp('io_uring', 'iocp-uring'),
  iocp('epoll', 'iocp-epoll'),
  iocp('io_uring', 'iocp-uring-task', true),
  iocp('epoll', 'iocp-epoll-task', true),
  iocpLayer('io_uring', 'protocol'),
  iocpLayer('epoll', 'protocol'),
  SELECTOR_PROTOCOL,
];

/** The streams echo's peers: Node, asyncio streams, @iocp streams (read(n) and readline) per backend. */
export const STREAMS_PEERS = [
  NODE_NET,
  asyncio('asyncio-streams', 'asyncio streams', ['--style', 'streams']),
  iocpLayer('io_uring', 'streams-read'),
  iocpLayer('epoll', 'streams-read'),
  iocpLayer('io_uring', 'streams-line'),
  iocpLayer('epoll', 'streams-line'),
];

/** The Duplex echo's peers: Node's socket.pipe(socket) and asDuplex(transport).pipe(itself). */
export const DUPLEX_PEERS = [
  NODE_NET,
  iocpLayer('io_uring', 'duplex'),
  iocpLayer('epoll', 'duplex'),
];

/** @iocp pipes on one backend: startServingPipe with a Protocol echo (peers/iocp-pipe-echo.mjs). */
const iocpPipe = (backend, style = 'protocol') => {
  const script = path.join(PEERS_DIR, 'iocp-pipe-echo.mjs');
  const b = backend === 'io_uring' ? 'uring' : backend;
  const styleArgs = style === 'protocol' ? [] : ['--style', style];
  return {
    id: style === 'protocol' ? `iocp-pipe-${b}` : `iocp-pipe-${style}-${b}`,
    label: `@iocp/pipes (${backend}) ${LAYER_LABELS[style]}`,
    kind: 'iocp',
    check: () => checkPeer([script, ...styleArgs, '--check'], { env: { IOCP_BACKEND: backend } }),
    command: () => [process.execPath, [script, ...styleArgs], { IOCP_BACKEND: backend }],
  };
};

/** The pipe echo's peers (a Unix socket path on Linux): the C ceilings, Node net on the same path, @iocp/pipes. */
export const PIPE_PEERS = [C_EPOLL, C_URING, NODE_NET, iocpPipe('io_uring'), iocpPipe('epoll')];

/** The bulk peers beside them: the same servers with a BufferedProtocol (asyncio's protocol for bulk data). */
export const PIPE_BUFFERED_PEERS = [iocpPipe('io_uring', 'buffered'), iocpPipe('epoll', 'buffered')];
export const ECHO_BUFFERED_PEERS = [iocpLayer('io_uring', 'buffered'), iocpLayer('epoll', 'buffered')];
