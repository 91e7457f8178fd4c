// A node:stream Duplex over a StreamReader and a StreamWriter that do not
// share one transport it could take over (asDuplex falls back to this):
// the readable side pulls with reader.read(), the writable side writes
// and waits in writer.drain(). Slower than TransportDuplex (a Future per
// read), but it works with any reader and writer.
import { Duplex } from 'node:stream';

import type { StreamReader } from '../streams/stream-reader';
import type { StreamWriter } from '../streams/stream-writer';
import type { AsDuplexOptions } from './transport-duplex';

type Callback = (error?: Error | null) => void;

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export class StreamPairDuplex extends Duplex {
  readonly reader: StreamReader;
  readonly writer: StreamWriter;
  private _reading = false;

  constructor(reader: StreamReader, writer: StreamWriter, opts: AsDuplexOptions = {}) {
    super({
      allowHalfOpen: opts.allowHalfOpen ?? false,
      ...(opts.readableHighWaterMark !== undefined ? { readableHighWaterMark: opts.readableHighWaterMark } : {}),
      ...(opts.writableHighWaterMark !== undefined ? { writableHighWaterMark: opts.writableHighWaterMark } : {}),
    });
    this.reader = reader;
    this.writer = writer;
  }

  override _read(size: number): void {
    if (this._reading) return;
    this._reading = true;
    void this._pull(size);
  }

  private async _pull(size: number): Promise<void> {
    try {
      for (;;) {
        const data = await this.reader.read(Math.max(size, 1));
        if (data.length === 0) {
          this.push(null);
          return;
        }
        if (!this.push(data)) return;
      }
    } catch (error) {
      this.destroy(toError(error));
    } finally {
      this._reading = false;
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    try {
      this.writer.write(chunk);
    } catch (error) {
      callback(toError(error));
      return;
    }
    this.writer.drain().then(() => callback(), (error: unknown) => callback(toError(error)));
  }

  override _final(callback: Callback): void {
    try {
      if (this.writer.canWriteEof()) this.writer.writeEof();
      else this.writer.close();
      callback();
    } catch (error) {
      callback(toError(error));
    }
  }

  override _destroy(error: Error | null, callback: Callback): void {
    const transport = this.writer.transport;
    if (error === null && this.writableFinished && this.readableEnded) transport.close();
    else transport.abort();
    this.writer.waitClosed().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
