// Node `net` echo server: what a Node user writes today (socket.pipe(socket)).
// Usage: node node-echo.mjs (--port N | --unix PATH)
// Prints "LISTENING <port-or-path>" once ready; exits when stdin closes.
import net from 'node:net';
import fs from 'node:fs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const unixPath = opt('--unix');

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
if (unixPath) fs.rmSync(unixPath, { force: true });
server.listen(
  unixPath ? { path: unixPath } : { host: '127.0.0.1', port: Number(opt('--port') ?? 0) },
  () => {
    const addr = server.address();
    process.stdout.write(`LISTENING ${typeof addr === 'string' ? addr : addr.port}\n`);
  },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
