// Run by scripts/install-test.mjs inside a project that installed the
// `iocp` meta-package from its tarball: a TCP echo server and client through
// streams (startServer / openConnection), with no loop of our own.
const { backend, openConnection, startServer } = require('iocp');

async function main() {
  const server = await startServer(async (reader, writer) => {
    for (;;) {
      const line = await reader.readline();
      if (line.length === 0) break;
      writer.write(line);
      await writer.drain();
    }
    writer.close();
  }, '127.0.0.1', 0);
  const port = server.sockets[0].getsockname()[1];
  const [reader, writer] = await openConnection('127.0.0.1', port);
  const replies = [];
  for (let i = 0; i < 100; i++) {
    writer.write(Buffer.from(`line ${i}\n`));
    replies.push((await reader.readline()).toString());
  }
  writer.close();
  await writer.waitClosed();
  server.close();
  await server.waitClosed();
  const bad = replies.findIndex((r, i) => r !== `line ${i}\n`);
  if (bad >= 0) throw new Error(`reply ${bad} was ${JSON.stringify(replies[bad])}`);
  console.log(`tcp echo ok on ${process.platform} (${backend}): 100 lines echoed through port ${port}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
