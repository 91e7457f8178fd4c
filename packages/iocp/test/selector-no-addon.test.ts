// The selector loop needs no native addon (issue 13): a child process
// loads iocp's selector entry (dist/selector.js) and runs a TCP echo, a
// datagram echo and a subprocess on it; @iocp/native's loader is never
// required and no .node file is loaded. A second child makes the addon
// unloadable (its loader throws on require) and the selector still works.
import { runNodeScript } from '@iocp/jest-preset/run-node-script';
import * as path from 'node:path';

import { DIST } from './helpers';

const SELECTOR = path.join(DIST, 'selector.js');
const NATIVE_DIST = path.resolve(__dirname, '..', '..', 'native', 'dist');

const WORKLOAD = `
const { SelectorEventLoop } = require(${JSON.stringify(SELECTOR)});
async function main(loop) {
  const echo = () => ({ connectionMade(t) { this.t = t; }, dataReceived(d) { this.t.write(d); } });
  const server = await loop.createServer(echo, '127.0.0.1', 0);
  let got = '';
  let done;
  const finished = new Promise((r) => (done = r));
  const [t] = await loop.createConnection(() => ({
    dataReceived(d) { got += d; if (got.length === 4) done(); },
  }), '127.0.0.1', server.sockets[0].getsockname()[1]);
  t.write(Buffer.from('echo'));
  await finished;
  t.close();
  server.close();
  await server.waitClosed();
  let exited;
  const ended = new Promise((r) => (exited = r));
  const [p] = await loop.subprocessExec(() => ({ connectionLost: exited }), [process.execPath, '-e', '0'], { stdin: 'ignore' });
  await ended;
  p.close();
  return got + ' ' + p.getReturncode();
}
const loop = new SelectorEventLoop();
loop.runUntilComplete(() => main(loop)).then(async (r) => {
  await loop.close();
  const native = Object.keys(require.cache).filter((k) => k.includes(${JSON.stringify(NATIVE_DIST)}) || k.endsWith('.node'));
  console.log(r, JSON.stringify(native));
});
`;

describe('SelectorEventLoop without the native addon', () => {
  test('requiring iocp/selector and running TCP and a subprocess never loads @iocp/native', async () => {
    const { out, err, code } = await runNodeScript(WORKLOAD);
    expect({ out, err, code }).toEqual({ out: 'echo 0 []\n', err: '', code: 0 });
  });

  test('with the addon unloadable (its loader throws), the selector loop still works', async () => {
    const breakLoader = `
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request.endsWith('.node') || request.includes('@iocp/native')) throw new Error('addon unloadable in this test');
  return load.apply(this, arguments);
};
`;
    const { out, err, code } = await runNodeScript(breakLoader + WORKLOAD);
    expect({ out, err, code }).toEqual({ out: 'echo 0 []\n', err: '', code: 0 });
  });
});
