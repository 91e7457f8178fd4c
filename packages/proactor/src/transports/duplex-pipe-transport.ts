// Port of asyncio/proactor_events.py _ProactorDuplexPipeTransport: a pipe
// read and written both ways; it cannot half-close.
import { RuntimeError } from '@iocp/futures';

import type { Transport } from './types';
import { ProactorReadWriteTransport } from './read-write-transport';

export class ProactorDuplexPipeTransport extends ProactorReadWriteTransport implements Transport {
  override canWriteEof(): boolean {
    return false;
  }

  // A duplex pipe cannot half-close: CPython's write_eof refuses too (its
  // error is a RuntimeError subclass).
  override writeEof(): void {
    throw new RuntimeError('writeEof() is not supported by a duplex pipe transport');
  }
}
