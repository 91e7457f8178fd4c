// @iocp echo servers on the layers users touch (issue "@iocp/proactor"):
// a BaseProactorEventLoop serving through
// - --style protocol:     a Protocol whose dataReceived writes the data back
//                          (asyncio's fastest path; compare uvloop Protocol);
// - --style buffered:     a BufferedProtocol reading into one buffer per
//                          connection and writing back from it (bulk data);
// - --style streams-read: startServer + reader.read(65536) / write / drain;
// - --style streams-line: startServer + readline() / write / drain (the
//                          load generator ends each message with '\n');
// - --style duplex:       asDuplex(transport) piped into itself (compare
//                          Node's socket.pipe(socket)).
// The backend is whatever IOCP_BACKEND forces. With --loop selector the
// same Protocol serves on the iocp meta-package's SelectorEventLoop (Node's
// own net, no addon): the portable fallback, measured beside the proactor.
// Usage: node iocp-layers-echo.mjs [--loop selector] --style S --port N | ... --check
// Prints "LISTENING <port>" once ready; exits when stdin closes.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { BufferedEchoProtocol, EchoProtocol, loadIocp, printCheck } from '../lib/iocp-peer.mjs';
import { packageDir } from '../lib/iocp-require.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const style = opt('--style') ?? 'protocol';
const selector = opt('--loop') === 'selector';
const NEEDS = {
  protocol: ['BaseProactorEventLoop'],
  buffered: ['BaseProactorEventLoop'],
  'streams-read': ['BaseProactorEventLoop', 'startServer'],
  'streams-line': ['BaseProactorEventLoop', 'startServer'],
  duplex: ['BaseProactorEventLoop', 'asDuplex'],
};

function check(loaded) {
  if (loaded.reason) return loaded;
  if (!NEEDS[style]) return { reason: `unknown style ${style}` };
  const missing = NEEDS[style].filter((n) => typeof loaded.proactorPkg[n] !== 'function');
  return missing.length ? { reason: `@iocp/proactor has no ${missing.join(', ')}` } : loaded;
}

async function echoRead(reader, writer) {
  try {
    for (;;) {
      const data = await reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
  } catch {
    // A reset peer ends the connection like EOF does.
  } finally {
    writer.close();
  }
}

async function echoLines(reader, writer) {
  try {
    for (;;) {
      const line = await reader.readline();
      if (line.length === 0) break;
      writer.write(line);
      await writer.drain();
    }
  } catch {
    // A reset peer ends the connection like EOF does.
  } finally {
    writer.close();
  }
}

async function serve(pkg) {
  const port = Number(opt('--port') ?? 0);
  const opts = { backlog: 4096 };
  switch (style) {
    case 'protocol':
      return getLoop(pkg).createServer(() => new EchoProtocol(), '127.0.0.1', port, opts);
    case 'buffered':
      return getLoop(pkg).createServer(() => new BufferedEchoProtocol(), '127.0.0.1', port, opts);
    case 'streams-read':
      return pkg.startServer(echoRead, '127.0.0.1', port, opts);
    case 'streams-line':
      return pkg.startServer(echoLines, '127.0.0.1', port, opts);
    case 'duplex':
      return getLoop(pkg).createServer(
        () => ({
          connectionMade(transport) {
            const duplex = pkg.asDuplex(transport);
            duplex.on('error', () => duplex.destroy());
            duplex.pipe(duplex);
          },
        }),
        '127.0.0.1',
        port,
        opts,
      );
  }
  throw new Error(`unknown style ${style}`);
}

let theLoop = null;
const getLoop = (pkg) => (theLoop ??= new pkg.BaseProactorEventLoop());

/** The iocp meta-package's SelectorEventLoop (iocp/selector), loaded without the addon. */
function loadSelector() {
  const entry = path.join(packageDir('iocp'), 'dist', 'selector.js');
  if (!fs.existsSync(entry))
    return { reason: 'iocp not built (no packages/iocp/dist/selector.js)' };
  if (style !== 'protocol') return { reason: `--loop selector serves --style protocol only` };
  const { SelectorEventLoop } = createRequire(import.meta.url)(entry);
  if (typeof SelectorEventLoop !== 'function')
    return { reason: 'iocp/selector has no SelectorEventLoop' };
  theLoop = new SelectorEventLoop();
  return { proactorPkg: {} };
}

async function main(pkg) {
  const loop = getLoop(pkg);
  const stop = loop.createFuture();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  await loop.runUntilComplete(async () => {
    const server = await serve(pkg);
    process.stdout.write(`LISTENING ${server.sockets[0].getsockname()[1]}\n`);
    await stop;
  });
}

const loaded = selector ? loadSelector() : check(loadIocp());
if (args.includes('--check')) {
  printCheck(loaded);
} else if (loaded.reason) {
  process.stderr.write(`iocp-layers-echo: ${loaded.reason}\n`);
  process.exit(1);
} else {
  main(loaded.proactorPkg).catch((err) => {
    process.stderr.write(`iocp-layers-echo: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
