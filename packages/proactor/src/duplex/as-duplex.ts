// asDuplex: a transport, or a StreamReader/StreamWriter pair, as a real
// node:stream Duplex (so a socket or a pipe plugs into pipeline, http,
// readline, ...).
//
// asDuplex(transport) takes the transport over (setProtocol): its
// protocol gets nothing more. asDuplex([reader, writer]) takes over the
// transport the two share the same way: the bytes the reader holds come
// first, then the transport's; the pair's protocol still hears about
// flow control and the end of the connection (writer.drain() and
// writer.waitClosed() keep working), but reads on the reader stop getting
// data. When the reader is not fed by the writer's transport (or the
// transport cannot change protocols), the Duplex reads through the reader
// and writes through the writer instead.
import type { Duplex } from 'node:stream';

import type { Protocol } from '../protocols';
import { StreamReader } from '../streams/stream-reader';
import { StreamWriter } from '../streams/stream-writer';
import type { Transport } from '../transports/types';
import { StreamPairDuplex } from './stream-pair-duplex';
import { TransportDuplex } from './transport-duplex';
import type { AsDuplexOptions } from './transport-duplex';

function isTransport(value: unknown): value is Transport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Transport).write === 'function' &&
    typeof (value as Transport).setProtocol === 'function' &&
    typeof (value as Transport).pauseReading === 'function'
  );
}

function checkOptions(opts: unknown): AsDuplexOptions {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const { allowHalfOpen, readableHighWaterMark, writableHighWaterMark } = opts as AsDuplexOptions;
  if (allowHalfOpen !== undefined && typeof allowHalfOpen !== 'boolean') {
    throw new TypeError('opts.allowHalfOpen must be a boolean');
  }
  for (const [name, value] of [
    ['readableHighWaterMark', readableHighWaterMark],
    ['writableHighWaterMark', writableHighWaterMark],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'number') throw new TypeError(`opts.${name} must be a number`);
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`opts.${name} must be an integer >= 0, got ${value}`);
  }
  return opts;
}

/** A Duplex over `transport`, which it takes over (its protocol gets nothing more). */
export function asDuplex(transport: Transport, opts?: AsDuplexOptions): TransportDuplex;
/** A Duplex over a reader and writer (taking over their transport where it can). */
export function asDuplex(pair: readonly [StreamReader, StreamWriter], opts?: AsDuplexOptions): Duplex;
export function asDuplex(source: Transport | readonly [StreamReader, StreamWriter], opts: AsDuplexOptions = {}): Duplex {
  const options = checkOptions(opts);
  if (Array.isArray(source)) {
    const [reader, writer] = source as readonly unknown[];
    if (!(reader instanceof StreamReader) || !(writer instanceof StreamWriter)) {
      throw new TypeError('asDuplex() takes a Transport or a [StreamReader, StreamWriter] pair');
    }
    return fromPair(reader, writer, options);
  }
  if (!isTransport(source)) throw new TypeError('asDuplex() takes a Transport or a [StreamReader, StreamWriter] pair');
  if (source.isClosing()) throw new Error('asDuplex(): the transport is closing');
  return new TransportDuplex(source, options);
}

function fromPair(reader: StreamReader, writer: StreamWriter, opts: AsDuplexOptions): Duplex {
  const transport = writer.transport;
  if (reader._transport !== transport || !isTransport(transport) || reader._waiter !== null || transport.isClosing()) {
    return new StreamPairDuplex(reader, writer, opts);
  }
  // Take the transport over with what the pair's protocol knows.
  const previous = writer._protocol as Protocol & { _paused?: boolean };
  const readingPaused = reader._paused;
  reader._paused = false;
  return new TransportDuplex(transport, opts, {
    buffered: reader._buffer.takeAll(),
    eof: reader._eof,
    error: reader.exception(),
    readingPaused,
    writingPaused: previous._paused === true,
    previous: {
      pauseWriting: () => previous.pauseWriting?.(),
      resumeWriting: () => previous.resumeWriting?.(),
      connectionLost: (exc: Error | null) => previous.connectionLost?.(exc),
    },
  });
}
