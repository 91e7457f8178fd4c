// @iocp pipe echo server: a PipeServer from @iocp/pipes served by
// startServingPipe on a BaseProactorEventLoop, with a Protocol that writes
// back what it receives (the pipe counterpart of iocp-layers-echo.mjs
// --style protocol), or with --style buffered a BufferedProtocol that reads
// into one buffer per connection and writes back from it. On Linux a pipe is a Unix socket and an absolute path
// is used as the pipe's address as it is, so the harness's --unix PATH is
// the address. The backend is whatever IOCP_BACKEND forces.
// Usage: node iocp-pipe-echo.mjs [--style protocol|buffered] --unix PATH | ... --check
// Prints "LISTENING <path>" once ready; exits when stdin closes.
import { BufferedEchoProtocol, EchoProtocol, loadIocp, printCheck } from '../lib/iocp-peer.mjs';
import { requireIocp } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const STYLES = { protocol: EchoProtocol, buffered: BufferedEchoProtocol };
const style = opt('--style') ?? 'protocol';

function load() {
  if (!STYLES[style]) return { reason: `unknown style ${style}` };
  const loaded = loadIocp();
  if (loaded.reason) return loaded;
  let pipesPkg;
  try {
    pipesPkg = requireIocp('@iocp/pipes');
  } catch (err) {
    return { reason: err.missing ?? `@iocp/pipes failed to load: ${err.message.split('\n')[0]}` };
  }
  if (typeof pipesPkg.startServingPipe !== 'function')
    return { reason: '@iocp/pipes has no startServingPipe' };
  if (typeof loaded.proactorPkg.BaseProactorEventLoop !== 'function') {
    return { reason: '@iocp/proactor has no BaseProactorEventLoop' };
  }
  return { ...loaded, pipesPkg };
}

async function main({ proactorPkg, pipesPkg }) {
  const path = opt('--unix');
  if (!path) throw new Error('iocp-pipe-echo serves pipes only: give --unix PATH');
  const loop = new proactorPkg.BaseProactorEventLoop();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  await loop.runUntilComplete(async () => {
    await pipesPkg.startServingPipe(loop, () => new STYLES[style](), path);
    process.stdout.write(`LISTENING ${path}\n`);
    await loop.createFuture();
  });
}

const loaded = load();
if (args.includes('--check')) {
  printCheck(loaded);
} else if (loaded.reason) {
  process.stderr.write(`iocp-pipe-echo: ${loaded.reason}\n`);
  process.exit(1);
} else {
  main(loaded).catch((err) => {
    process.stderr.write(`iocp-pipe-echo: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
