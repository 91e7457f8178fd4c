// Port of asyncio/proactor_events.py _ProactorSocketTransport: a connected
// stream socket (TCP or Unix), which can half-close with writeEof().
import { OSError } from '@iocp/futures';

import type { Connection } from '../iocp-proactor';
import type { Socket } from '../socket';
import type { Transport } from './types';
import { ProactorReadWriteTransport } from './read-write-transport';
import { setSocketExtra } from './socket-extra';

// Port of base_events._set_nodelay: TCP sockets get TCP_NODELAY.
function setNodelay(sock: Socket): void {
  if ((sock.family === 'inet' || sock.family === 'inet6') && sock.type === 'stream') {
    try {
      sock.setsockopt('TCP_NODELAY', true);
    } catch (exc) {
      if (!(exc instanceof OSError)) throw exc;
    }
  }
}

export class ProactorSocketTransport extends ProactorReadWriteTransport implements Transport {
  constructor(...args: ConstructorParameters<typeof ProactorReadWriteTransport>) {
    super(...args);
    setNodelay(args[1] as Socket);
  }

  override _setExtra(sock: Connection): void {
    setSocketExtra(this, sock as Socket);
  }

  override canWriteEof(): boolean {
    return true;
  }

  // Port of _ProactorSocketTransport.write_eof: the write side is shut down
  // once the buffered data is sent.
  override writeEof(): void {
    if (this._closing || this._eofWritten) return;
    this._eofWritten = true;
    if (this._writeFut === null) (this._sock as Socket).shutdown('write');
  }
}
