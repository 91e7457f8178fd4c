// Port of asyncio/proactor_events.py _set_socket_extra: what
// getExtraInfo() tells about a socket transport.
import { OSError, logger } from '@iocp/futures';

import type { Socket } from '../socket';
import type { FlowControlTransport } from './flow-control';

export function setSocketExtra(transport: FlowControlTransport, sock: Socket): void {
  const extra = transport._extra;
  extra.socket = sock;
  try {
    extra.sockname = sock.getsockname();
  } catch (exc) {
    if (!(exc instanceof OSError)) throw exc;
    if (transport._loop.getDebug()) logger.warn(`getsockname() failed on ${sock.toString()}: ${String(exc)}`);
  }
  if (!('peername' in extra)) {
    try {
      extra.peername = sock.getpeername();
    } catch (exc) {
      if (!(exc instanceof OSError)) throw exc;
      // UDP sockets may not have a peer name.
      extra.peername = null;
    }
  }
}
