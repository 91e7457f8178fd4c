// Port of asyncio/streams.py open_connection and start_server.
//
// The loop is `opts.loop`, else the running loop, else the shared
// on-demand loop (../loop/shared-loop.ts): plain async code can call these
// with no loop of its own, and the process exits by itself once every
// connection and server is closed.
import type { BaseEventLoop } from '@iocp/futures';

import type { BaseProtocol, ProtocolFactory } from '../protocols';
import type { Transport } from '../transports/types';
import type { CreateConnectionOptions, CreateServerOptions } from '../loop/options';
import type { AbstractServer } from '../loop/server';
import { holdLoopWhile, streamLoop } from './stream-loop';
import { StreamReader } from './stream-reader';
import { StreamReaderProtocol } from './stream-reader-protocol';
import type { ClientConnectedCallback } from './stream-reader-protocol';
import { StreamWriter } from './stream-writer';

/** A loop the stream helpers can use (BaseProactorEventLoop, or another loop with these methods). */
export interface StreamsLoop extends BaseEventLoop {
  createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    opts?: CreateConnectionOptions,
  ): Promise<[Transport, P]>;
  createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    opts?: CreateServerOptions,
  ): Promise<AbstractServer>;
}

export interface StreamOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
  /** The loop to use (default: the running loop, else the shared one). */
  loop?: StreamsLoop;
}

export type OpenConnectionOptions = StreamOptions & CreateConnectionOptions;
export type StartServerOptions = StreamOptions & CreateServerOptions;

function split<T extends StreamOptions>(opts: T, what: string): [number | undefined, StreamsLoop, Omit<T, 'limit' | 'loop'>] {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const { limit, loop, ...rest } = opts;
  if (limit !== undefined && typeof limit !== 'number') throw new TypeError('opts.limit must be a number');
  if (limit !== undefined && !(limit > 0)) throw new RangeError('opts.limit cannot be <= 0');
  return [limit, streamLoop(loop, what), rest];
}

// Port of streams.py open_connection.
/** Connects to host:port; returns the connection's reader and writer. */
export function openConnection(
  host?: string | null,
  port?: number | null,
  opts: OpenConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  const [limit, loop, rest] = split(opts, 'openConnection()');
  return holdLoopWhile(loop, () => connect(host, port, limit, loop, rest));
}

async function connect(
  host: string | null | undefined,
  port: number | null | undefined,
  limit: number | undefined,
  loop: StreamsLoop,
  rest: CreateConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = await loop.createConnection(() => protocol, host, port, rest);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return [reader, writer];
}

// Port of streams.py start_server.
/**
 * Serves host:port; calls `clientConnected(reader, writer)` for each
 * connection (an async function runs as a Task of the loop; if it fails,
 * the error goes to the loop's exception handler and the connection is
 * closed).
 */
export function startServer(
  clientConnected: ClientConnectedCallback,
  host?: string | string[] | null,
  port?: number | null,
  opts: StartServerOptions = {},
): Promise<AbstractServer> {
  if (typeof clientConnected !== 'function') throw new TypeError('clientConnected must be a function');
  const [limit, loop, rest] = split(opts, 'startServer()');
  const factory = (): StreamReaderProtocol => {
    const reader = new StreamReader({ limit, loop });
    return new StreamReaderProtocol(reader, clientConnected, loop);
  };
  return holdLoopWhile(loop, () => loop.createServer(factory, host, port, rest));
}
