// Pipe streams: asyncio/streams.py open_connection and start_server over
// named pipes (CPython's test_windows_events.py test_pipe builds the same
// StreamReader / StreamReaderProtocol / StreamWriter by hand).
//
// The loop is `opts.loop`, else the running BaseProactorEventLoop, else the
// shared on-demand loop of @iocp/proactor: plain async code can call these
// with no loop of its own, and the process exits by itself once every
// connection and server is closed (each transport and each open PipeServer
// holds the shared loop; a connect in flight holds it through holdWhile).
import { StreamReader, StreamReaderProtocol, StreamWriter, loopForCall } from '@iocp/proactor';
import type { BaseProactorEventLoop, ClientConnectedCallback } from '@iocp/proactor';

import type { PipeServer } from './pipe-server';
import type { PipeServerOptions } from './pipe-server-options';
import { createPipeConnection, startServingPipe } from './serving';

/** Options of the pipe stream helpers. */
export interface PipeStreamOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
  /** The loop to use (default: the running proactor loop, else the shared one). */
  loop?: BaseProactorEventLoop;
}

/** Options of startPipeServer: the stream options and PipeServer's. */
export type StartPipeServerOptions = PipeStreamOptions & PipeServerOptions;

function split<T extends PipeStreamOptions>(opts: T, what: string): [number | undefined, BaseProactorEventLoop, Omit<T, 'limit' | 'loop'>] {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const { limit, loop, ...rest } = opts;
  if (limit !== undefined && typeof limit !== 'number') throw new TypeError('opts.limit must be a number');
  if (limit !== undefined && !(limit > 0)) throw new RangeError('opts.limit cannot be <= 0');
  return [limit, loop ?? loopForCall(what), rest];
}

/**
 * Connects to the pipe `address`; resolves to the connection's reader and
 * writer. Rejects with FileNotFoundError when no server has the name.
 */
export function openPipeConnection(address: string, opts: PipeStreamOptions = {}): Promise<[StreamReader, StreamWriter]> {
  const [limit, loop] = split(opts, 'openPipeConnection()');
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  return createPipeConnection(loop, () => protocol, address).then(([transport]) => [
    reader,
    new StreamWriter(transport, protocol, reader, loop),
  ]);
}

/**
 * Serves the pipe `address`: calls `clientConnected(reader, writer)` for
 * each client (an async function runs as a Task of the loop; if it fails,
 * the error goes to the loop's exception handler and the connection is
 * closed). Resolves to the PipeServer; close() stops serving. Rejects with
 * PermissionError when a live server has the name. Server options as
 * PipeServer's.
 */
export function startPipeServer(
  clientConnected: ClientConnectedCallback,
  address: string,
  opts: StartPipeServerOptions = {},
): Promise<PipeServer> {
  if (typeof clientConnected !== 'function') throw new TypeError('clientConnected must be a function');
  const [limit, loop, rest] = split(opts, 'startPipeServer()');
  const factory = (): StreamReaderProtocol => {
    const reader = new StreamReader({ limit, loop });
    return new StreamReaderProtocol(reader, clientConnected, loop);
  };
  return startServingPipe(loop, factory, address, rest).then(([server]) => server);
}
