// Shared test helpers: a listening socket on loopback, a connected pair over
// TCP through the proactor, and an fd counter for leak checks on Linux.
import * as fs from 'node:fs';

import { IocpProactor, Socket } from '@iocp/proactor';

export function listener(family: 'inet' | 'inet6' = 'inet'): Socket {
  const sock = new Socket(family);
  sock.bind(family === 'inet' ? ['127.0.0.1', 0] : ['::1', 0]);
  sock.listen();
  return sock;
}

export async function tcpPair(proactor: IocpProactor): Promise<[Socket, Socket, Socket]> {
  const lsock = listener();
  const client = new Socket('inet');
  const accepted = proactor.accept(lsock);
  await proactor.connect(client, lsock.getsockname());
  const [server] = await accepted;
  return [lsock, client, server];
}

/** Open fds of this process (Linux), or -1 where /proc is not there. */
export function openFds(): number {
  if (process.platform !== 'linux') return -1;
  return fs.readdirSync('/proc/self/fd').length;
}
