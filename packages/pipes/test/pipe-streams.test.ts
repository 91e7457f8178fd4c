// The pipe streams with no loop in sight: openPipeConnection and
// startPipeServer on the shared on-demand loop of @iocp/proactor, in this
// process and in a child process that uses only @iocp/pipes and must exit
// by itself once everything is closed.
import * as path from 'node:path';

import { FileNotFoundError, PermissionError } from '@iocp/futures';
import { BaseProactorEventLoop, sharedLoop, sharedLoopIdle } from '@iocp/proactor';
import type { StreamReader, StreamWriter } from '@iocp/proactor';
import { PipeServer, openPipeConnection, startPipeServer } from '@iocp/pipes';

import { address, isWine } from './helpers';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

async function upper(reader: StreamReader, writer: StreamWriter): Promise<void> {
  const line = await reader.readline();
  writer.write(Buffer.from(line.toString().toUpperCase()));
  await writer.drain();
  writer.close();
}

describe('pipe streams without a loop', () => {
  // The shared loop lives as long as the process; close it at the end.
  afterAll(async () => {
    await sharedLoopIdle();
    expect(sharedLoop().isRunning()).toBe(false);
    await sharedLoop().close();
  });

  it('serve and connect from plain async code; the shared loop stops once all is closed', async () => {
    const addr = address('plain');
    await expect(openPipeConnection(addr)).rejects.toBeInstanceOf(FileNotFoundError);
    const server = await startPipeServer(upper, addr);
    expect(server).toBeInstanceOf(PipeServer);
    expect(sharedLoop().isRunning()).toBe(true);
    if (!isWine) await expect(startPipeServer(upper, addr)).rejects.toBeInstanceOf(PermissionError);
    for (let i = 0; i < 3; i++) {
      const [reader, writer] = await openPipeConnection(addr);
      expect(writer.getExtraInfo('addr')).toBe(addr);
      writer.write(Buffer.from(`hello ${i}\n`));
      expect((await reader.readline()).toString()).toBe(`HELLO ${i}\n`);
      expect(reader.atEof() || (await reader.read()).length === 0).toBe(true);
      writer.close();
      await writer.waitClosed();
    }
    server.close();
    await sharedLoopIdle();
    expect(sharedLoop().isRunning()).toBe(false);
    expect(sharedLoop()._holdCount).toBe(0);
  });

  it('message mode passes through: each read of the server is one message', async () => {
    const addr = address('plainmsg');
    const got: string[] = [];
    let done!: () => void;
    const served = new Promise<void>((resolve) => (done = resolve));
    const server = await startPipeServer(
      async (reader, writer) => {
        for (;;) {
          const chunk = await reader.read(1 << 20);
          if (chunk.length === 0) break;
          got.push(chunk.toString());
          writer.write(Buffer.from(`got ${chunk.length}`));
        }
        writer.close();
        done();
      },
      addr,
      { messageMode: true },
    );
    const [reader, writer] = await openPipeConnection(addr);
    for (const msg of ['one', 'two!', 'three']) {
      writer.write(Buffer.from(msg));
      // Each answer is one message too, read whole by the client.
      expect((await reader.read(1 << 20)).toString()).toBe(`got ${msg.length}`);
    }
    writer.close();
    await writer.waitClosed();
    await served;
    server.close();
    await sharedLoopIdle();
    expect(got).toEqual(['one', 'two!', 'three']);
  });

  it('inside a running proactor loop, they use that loop', async () => {
    const loop = new BaseProactorEventLoop();
    try {
      // A function, so that the body starts inside the running loop.
      await loop.runUntilComplete(
        (async () => {
          const addr = address('ownloop');
          const server = await startPipeServer(upper, addr);
          const [reader, writer] = await openPipeConnection(addr);
          expect(sharedLoop().isRunning()).toBe(false);
          writer.write(Buffer.from('mine\n'));
          expect((await reader.readline()).toString()).toBe('MINE\n');
          writer.close();
          await writer.waitClosed();
          server.close();
        }),
      );
    } finally {
      await loop.close();
    }
  });

  it('a child process using only @iocp/pipes exits by itself once everything is closed', async () => {
    const addr = address('child');
    const script = `
const { openPipeConnection, startPipeServer } = require(${JSON.stringify(DIST)});
(async () => {
  const server = await startPipeServer(async (reader, writer) => {
    const line = await reader.readline();
    writer.write(Buffer.from(line.toString().toUpperCase()));
    await writer.drain();
    writer.close();
  }, ${JSON.stringify(addr)});
  const [reader, writer] = await openPipeConnection(${JSON.stringify(addr)});
  writer.write(Buffer.from('hello from a child\\n'));
  console.log((await reader.readline()).toString().trim());
  writer.close();
  await writer.waitClosed();
  server.close();
  console.log('closed');
})().catch((e) => { console.log('error ' + e.stack); process.exitCode = 3; });
`;
    const { out, err, code, signal } = await runNodeScript(script);
    expect({ out, err, code, signal }).toEqual({
      out: 'HELLO FROM A CHILD\nclosed\n',
      err: '',
      code: 0,
      signal: null,
    });
  }, 90_000);
});
