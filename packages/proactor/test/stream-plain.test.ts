// The plain-code style: openConnection/startServer/asDuplex with no loop
// run by hand. They use the shared on-demand loop; a process whose streams
// and servers are all closed exits by itself. The child process runs the
// built package (dist/), as a user's script would.
import * as path from 'node:path';

import { asDuplex, openConnection, sharedLoop, sharedLoopIdle, startServer } from '@iocp/proactor';
import type { StreamReader, StreamWriter } from '@iocp/proactor';

import { openFds } from './helpers';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

// A line server upper-casing what it gets, a StreamReader/StreamWriter
// client, a Duplex client, then everything closed: nothing else.
const PLAIN = `
const { asDuplex, openConnection, startServer } = require(${JSON.stringify(DIST)});
async function main() {
  const server = await startServer(async (reader, writer) => {
    for await (const line of reader) {
      writer.write(Buffer.from(line.toString().toUpperCase()));
      await writer.drain();
    }
    writer.close();
  }, '127.0.0.1', 0);
  const port = server.sockets[0].getsockname()[1];

  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write(Buffer.from('hello\\n'));
  console.log((await reader.readline()).toString().trim());
  writer.close();
  await writer.waitClosed();

  const duplex = asDuplex(await openConnection('127.0.0.1', port));
  duplex.end('through a duplex\\n');
  let text = '';
  for await (const chunk of duplex) text += chunk;
  console.log(text.trim());

  server.close();
  await server.waitClosed();
  console.log('closed');
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
`;

describe('streams in plain async code (the shared loop)', () => {
  // The shared loop lives as long as the process (its proactor's fds too);
  // closed at the end, as every test closes what it opens.
  afterAll(async () => {
    await sharedLoopIdle();
    await sharedLoop().close();
  });

  it('a child process using only streams exits by itself once all is closed', async () => {
    const { out, err, code, signal } = await runNodeScript(PLAIN);
    expect({ out, err, code, signal }).toEqual({
      out: 'HELLO\nTHROUGH A DUPLEX\nclosed\n',
      err: '',
      code: 0,
      signal: null,
    });
  }, 90_000);

  it('in this process: the shared loop runs while a stream is open and stops after the last close', async () => {
    const fdsBefore = openFds();
    const loop = sharedLoop();
    const handlers: Array<Promise<void>> = [];
    const server = await startServer(
      (reader: StreamReader, writer: StreamWriter) => {
        handlers.push(
          (async () => {
            const data = await reader.read();
            writer.write(Buffer.from(`${data.length} bytes`));
            writer.close();
            await writer.waitClosed();
          })(),
        );
      },
      '127.0.0.1',
      0,
    );
    expect(server.getLoop()).toBe(loop);
    expect(loop.isRunning()).toBe(true);
    const port = (server.sockets[0].getsockname() as [string, number])[1];
    const [reader, writer] = await openConnection('127.0.0.1', port);
    expect(reader.getLoop()).toBe(loop);
    writer.write(Buffer.from('12345'));
    writer.writeEof();
    expect((await reader.read()).toString()).toBe('5 bytes');
    writer.close();
    await writer.waitClosed();
    await Promise.all(handlers);
    server.close();
    await server.waitClosed();
    await sharedLoopIdle();
    // Idle with nothing left: the loop stopped and closed, and its
    // proactor's fds are released.
    expect(loop.isRunning()).toBe(false);
    expect(loop.isClosed()).toBe(true);
    expect(openFds()).toBe(fdsBefore);
    // asDuplex in plain code: a new shared loop starts for it and closes after.
    const server2 = await startServer(
      (r, w) => {
        const d = asDuplex([r, w]);
        d.pipe(d);
      },
      '127.0.0.1',
      0,
    );
    const port2 = (server2.sockets[0].getsockname() as [string, number])[1];
    const pair = await openConnection('127.0.0.1', port2);
    const duplexLoop = pair[0].getLoop();
    const duplex = asDuplex(pair);
    duplex.end('echo me');
    let text = '';
    for await (const chunk of duplex) text += String(chunk);
    expect(text).toBe('echo me');
    server2.close();
    await server2.waitClosed();
    const second = duplexLoop;
    await sharedLoopIdle();
    expect(second).not.toBe(loop);
    expect(second?.isClosed()).toBe(true);
    expect(openFds()).toBe(fdsBefore);
  });
});
