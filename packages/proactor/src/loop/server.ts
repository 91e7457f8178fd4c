// Port of asyncio/base_events.py Server. TODO(loop): the loop helper owns this file.
import type { Socket } from '../socket';

export class Server {
  get sockets(): readonly Socket[] {
    throw new Error('TODO(loop)');
  }
}
