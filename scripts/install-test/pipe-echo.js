// Run by scripts/install-test.mjs inside a project that installed only
// @iocp/pipes from its tarball: a named-pipe server and a client through
// streams, with no loop of our own (the process exits once both are closed).
const { openPipeConnection, startPipeServer } = require('@iocp/pipes');

const name = `\\\\.\\pipe\\iocp-install-test-${process.pid}`;

async function main() {
  const server = await startPipeServer(async (reader, writer) => {
    const line = await reader.readline();
    writer.write(Buffer.from(line.toString().toUpperCase()));
    await writer.drain();
    writer.close();
  }, name);
  const [reader, writer] = await openPipeConnection(name);
  writer.write(Buffer.from('hello over a pipe\n'));
  const reply = (await reader.readline()).toString();
  writer.close();
  await writer.waitClosed();
  server.close();
  if (reply !== 'HELLO OVER A PIPE\n') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  console.log(`pipe echo ok on ${process.platform}: ${JSON.stringify(reply)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
