// The load test's child processes (load.test.ts starts two, each with a fd
// limit raised to hold its ends on Linux). `role` "server" runs one echo
// server; "client" opens `count` connections to it, holds them all at once
// and echoes one 64-byte message on each. `impl` is "iocp" (a
// BaseProactorEventLoop: the server through loop.createServer, the
// clients through the loop's IocpProactor with sockConnect, sockSendall
// and sockRecv) or "net" (Node's net module doing the same). At most
// `window` connects are in flight at a time, for both, so neither
// overflows the listen backlog. The two talk through files in `dir` (node.exe
// under Wine must not write to a pipe): "port" (the server listens),
// "client.json" and then "held" (every connection is up and has echoed),
// "server.json" (the server measured itself while they were held), "done"
// (the client closed everything). Memory is measured after a full GC: the
// RSS and V8 heap growth from before the first connect to all held.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const [role, impl, dir, countArg, windowArg] = process.argv.slice(2);
const count = Number(countArg);
const window = Number(windowArg);
const MESSAGE = Buffer.from('ping'.repeat(16)); // 64 bytes
const BACKLOG = 4096;
const file = (name) => path.join(dir, name);

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** Writes `name` in dir at once (a reader never sees it half written). */
function publish(name, value) {
  fs.writeFileSync(file(`${name}.tmp`), JSON.stringify(value));
  fs.renameSync(file(`${name}.tmp`), file(name));
}

/** Resolves to the contents of `name` in dir once it exists. */
async function awaitFile(name) {
  for (;;) {
    if (fs.existsSync(file(name))) return JSON.parse(fs.readFileSync(file(name), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `start(i)` for i in [0, n) with at most `limit` running at a time. */
async function pool(n, limit, start) {
  let next = 0;
  async function lane() {
    while (next < n) await start(next++);
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}

/** The soft fd limit of this process (Linux), or null. */
function fdLimit() {
  if (process.platform !== 'linux') return null;
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line.split(/\s+/)[3]);
}

function growth(base, held) {
  return { rss: held.rss - base.rss, heap: held.heap - base.heap, rssHeld: held.rss };
}

const dist = path.join(__dirname, '..', '..', '..', 'proactor', 'dist', 'index.js');

async function iocpServer() {
  const { BaseProactorEventLoop } = require(dist);
  const loop = new BaseProactorEventLoop();
  try {
    await loop.runUntilComplete(async () => {
      let accepted = 0;
      const echo = () => ({
        connectionMade(t) {
          this.t = t;
          accepted++;
        },
        dataReceived(d) {
          this.t.write(d);
        },
      });
      const server = await loop.createServer(echo, '127.0.0.1', 0, { backlog: BACKLOG });
      const base = memory();
      publish('port', server.sockets[0].getsockname()[1]);
      await awaitFile('held');
      publish('server.json', { accepted, ...growth(base, memory()) });
      await awaitFile('done');
      server.close();
      await server.waitClosed();
    });
  } finally {
    await loop.close();
  }
}

async function iocpClient(port) {
  const { BaseProactorEventLoop, Socket } = require(dist);
  const loop = new BaseProactorEventLoop();
  try {
    await loop.runUntilComplete(async () => {
      const base = memory();
      const socks = [];
      const t0 = performance.now();
      await pool(count, window, async () => {
        const s = new Socket('inet');
        socks.push(s);
        await loop.sockConnect(s, ['127.0.0.1', port]);
      });
      const echoAll = () =>
        pool(count, window, async (i) => {
          await loop.sockSendall(socks[i], MESSAGE);
          let got = Buffer.alloc(0);
          while (got.length < MESSAGE.length) {
            const d = await loop.sockRecv(socks[i], MESSAGE.length - got.length);
            if (d.length === 0) throw new Error(`connection ${i} ended before its echo`);
            got = Buffer.concat([got, d]);
          }
          if (!got.equals(MESSAGE)) throw new Error(`connection ${i} echoed ${got.toString()}`);
        });
      const t1 = performance.now();
      await held({ connectMs: t1 - t0, ...(await echoTwice(echoAll)), ...growth(base, memory()) });
      for (const s of socks) s.close();
    });
  } finally {
    await loop.close();
  }
}

async function netServer() {
  let accepted = 0;
  const server = net.createServer((c) => {
    accepted++;
    c.on('error', () => {});
    c.on('data', (d) => c.write(d));
  });
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, resolve));
  const base = memory();
  publish('port', server.address().port);
  await awaitFile('held');
  publish('server.json', { accepted, ...growth(base, memory()) });
  await awaitFile('done');
  await new Promise((resolve) => server.close(resolve));
}

async function netClient(port) {
  const base = memory();
  const socks = [];
  const t0 = performance.now();
  await pool(count, window, () =>
    new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, resolve);
      s.once('error', reject);
      socks.push(s);
    }),
  );
  const echoAll = () =>
    pool(count, window, (i) =>
      new Promise((resolve, reject) => {
        const s = socks[i];
        let got = Buffer.alloc(0);
        const onData = (d) => {
          got = Buffer.concat([got, d]);
          if (got.length < MESSAGE.length) return;
          s.off('data', onData);
          if (got.equals(MESSAGE)) resolve();
          else reject(new Error(`connection ${i} echoed ${got.toString()}`));
        };
        s.on('data', onData);
        s.write(MESSAGE);
      }),
    );
  const t1 = performance.now();
  await held({ connectMs: t1 - t0, ...(await echoTwice(echoAll)), ...growth(base, memory()) });
  for (const s of socks) s.destroy();
}

/** Times two rounds of echoAll(): the first also waits for the server's accepts. */
async function echoTwice(echoAll) {
  const t0 = performance.now();
  await echoAll();
  const t1 = performance.now();
  await echoAll();
  return { echoMs: t1 - t0, echoAgainMs: performance.now() - t1 };
}

/** Publishes the client's figures, says all are held, and waits until the server measured itself. */
async function held(figures) {
  publish('client.json', { count, fdLimit: fdLimit(), ...figures });
  publish('held', true);
  await awaitFile('server.json');
}

async function main() {
  if (role === 'server') return impl === 'iocp' ? iocpServer() : netServer();
  const port = await awaitFile('port');
  try {
    await (impl === 'iocp' ? iocpClient(port) : netClient(port));
  } finally {
    publish('done', true);
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
