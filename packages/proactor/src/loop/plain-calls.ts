// The loop-less forms of the connection helpers, for plain Node code:
// createConnection(factory, host, port) with no loop argument runs on the
// running loop (a proactor loop, or any loop with these methods such as the
// meta-package's SelectorEventLoop), or on the shared on-demand loop when
// none runs (see shared-loop.ts). Arguments are checked synchronously, as the
// loop methods do.
import type { BaseProtocol, ProtocolFactory } from '../protocols';
import type { DatagramTransport, Transport } from '../transports/types';
import type { CreateConnectionOptions, CreateDatagramEndpointOptions, CreateServerOptions } from './options';
import type { AbstractServer } from './server';
import { connectionsLoopForCall, holdWhile } from './shared-loop';

/** loop.createConnection() on the running proactor loop or the shared loop. */
export function createConnection<P extends BaseProtocol>(
  protocolFactory: ProtocolFactory<P>,
  host?: string | null,
  port?: number | null,
  opts?: CreateConnectionOptions,
): Promise<[Transport, P]> {
  const loop = connectionsLoopForCall('createConnection()');
  return holdWhile(loop, () => loop.createConnection(protocolFactory, host, port, opts));
}

/** loop.createServer() on the running proactor loop or the shared loop. */
export function createServer(
  protocolFactory: ProtocolFactory,
  host?: string | string[] | null,
  port?: number | null,
  opts?: CreateServerOptions,
): Promise<AbstractServer> {
  const loop = connectionsLoopForCall('createServer()');
  return holdWhile(loop, () => loop.createServer(protocolFactory, host, port, opts));
}

/** loop.createDatagramEndpoint() on the running proactor loop or the shared loop. */
export function createDatagramEndpoint<P extends BaseProtocol>(
  protocolFactory: ProtocolFactory<P>,
  opts?: CreateDatagramEndpointOptions,
): Promise<[DatagramTransport, P]> {
  const loop = connectionsLoopForCall('createDatagramEndpoint()');
  return holdWhile(loop, () => loop.createDatagramEndpoint(protocolFactory, opts));
}
