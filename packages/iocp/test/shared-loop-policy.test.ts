// The on-demand loop of plain async code follows the event loop policy
// (issue 13): under WindowsSelectorEventLoopPolicy, openConnection,
// startServer and createConnection called with no loop running run on a
// SharedSelectorEventLoop; under the default policy on the proactor loop.
import { RuntimeError } from '@iocp/futures';
import { openPipeConnection } from '@iocp/pipes';
import { SharedProactorEventLoop, createConnection, openConnection, sharedLoop, sharedLoopIdle, startServer } from '@iocp/proactor';
import { SelectorEventLoop, SharedSelectorEventLoop, WindowsSelectorEventLoopPolicy, setEventLoopPolicy } from 'iocp';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

import { CHILD_PRELUDE, DIST, Recorder, pipeAddress } from './helpers';

afterEach(async () => {
  await sharedLoopIdle();
  setEventLoopPolicy(null);
  await sharedLoopIdle();
});

describe('the shared on-demand loop and the policy', () => {
  test('under the selector policy, plain startServer/openConnection run on a SharedSelectorEventLoop and echo', async () => {
    setEventLoopPolicy(new WindowsSelectorEventLoopPolicy());
    const server = await startServer(async (reader, writer) => {
      writer.write(await reader.readline());
      await writer.drain();
      writer.close();
    }, '127.0.0.1', 0);
    expect(server.getLoop()).toBeInstanceOf(SharedSelectorEventLoop);
    expect(server.getLoop()).toBeInstanceOf(SelectorEventLoop);
    expect(sharedLoop()).toBe(server.getLoop());
    const port = (server.sockets[0].getsockname() as [string, number])[1];
    const [reader, writer] = await openConnection('127.0.0.1', port);
    writer.write(Buffer.from('plain code\n'));
    expect((await reader.readline()).toString()).toBe('plain code\n');
    writer.close();
    await writer.waitClosed();
    server.close();
    await server.waitClosed();
    await sharedLoopIdle();
    expect(server.getLoop().isClosed()).toBe(true);
  });

  test('under the selector policy, plain createConnection runs there too', async () => {
    setEventLoopPolicy(new WindowsSelectorEventLoopPolicy());
    const server = await startServer(async (_reader, writer) => writer.close(), '127.0.0.1', 0);
    const port = (server.sockets[0].getsockname() as [string, number])[1];
    const [transport, proto] = await createConnection(() => new Recorder(), '127.0.0.1', port);
    expect(await proto.lost).toBeNull();
    expect(proto.events).toEqual(['made', 'eof', 'lost']);
    expect(transport.isClosing()).toBe(true);
    server.close();
    await server.waitClosed();
  });

  test('back under the default policy the shared loop is a SharedProactorEventLoop', async () => {
    setEventLoopPolicy(new WindowsSelectorEventLoopPolicy());
    expect(sharedLoop()).toBeInstanceOf(SharedSelectorEventLoop);
    setEventLoopPolicy(null);
    expect(sharedLoop()).toBeInstanceOf(SharedProactorEventLoop);
    await sharedLoop().close();
  });

  test('a plain call that needs a proactor (the pipe streams) says the policy\'s shared loop is not one', async () => {
    setEventLoopPolicy(new WindowsSelectorEventLoopPolicy());
    expect(() => openPipeConnection(pipeAddress('policy'))).toThrow(RuntimeError);
    expect(() => openPipeConnection(pipeAddress('policy'))).toThrow(/needs a BaseProactorEventLoop, but the shared loop of plain calls is <SharedSelectorEventLoop/);
    await sharedLoop().close();
  });

  test('a plain script under the selector policy runs on a SharedSelectorEventLoop and exits by itself once all is closed', async () => {
    const script = `${CHILD_PRELUDE}
const iocp = require(${JSON.stringify(DIST)});
iocp.setEventLoopPolicy(new iocp.WindowsSelectorEventLoopPolicy());
(async () => {
  const server = await iocp.startServer(async (reader, writer) => {
    writer.write(await reader.readline());
    writer.close();
  }, '127.0.0.1', 0);
  const [reader, writer] = await iocp.openConnection('127.0.0.1', server.sockets[0].getsockname()[1]);
  writer.write(Buffer.from('bye\\n'));
  const line = (await reader.readline()).toString().trim();
  writer.close();
  server.close();
  await server.waitClosed();
  console.log(server.getLoop().constructor.name, line);
})();
`;
    const { out, err, code, signal } = await runNodeScript(script);
    expect({ out, err, code, signal }).toEqual({ out: 'SharedSelectorEventLoop bye\n', err: '', code: 0, signal: null });
  });
});
