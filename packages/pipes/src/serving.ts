// Ports of windows_events.py ProactorEventLoop.start_serving_pipe and
// create_pipe_connection, as functions of a BaseProactorEventLoop (the
// meta-package's ProactorEventLoop has them as methods).
import { BrokenPipeError, CancelledError, logger } from '@iocp/futures';
import type { Future } from '@iocp/futures';
import { holdWhile, pipePath } from '@iocp/proactor';
import type { BaseProactorEventLoop, BaseProtocol, PipeHandle, ProtocolFactory, Transport } from '@iocp/proactor';

import { PipeServer } from './pipe-server';
import { checkServerOptions } from './pipe-server-options';
import type { PipeServerOptions } from './pipe-server-options';

// While every instance is taken (Windows maxInstances), the accept loop
// tries to make one again after 1, 2, 4, ... ms, at most 100 (the delays of
// IocpProactor.connect_pipe, which clients retry on meanwhile).
const BUSY_INIT_DELAY = 1;
const BUSY_MAX_DELAY = 100;

const isWindows = process.platform === 'win32';

function checkLoop(loop: unknown): asserts loop is BaseProactorEventLoop {
  const l = loop as BaseProactorEventLoop | null;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l._makeDuplexPipeTransport !== 'function' ||
    typeof l._proactor?.acceptPipe !== 'function'
  ) {
    throw new TypeError('loop must be a BaseProactorEventLoop');
  }
}

/**
 * Port of ProactorEventLoop.start_serving_pipe: serves the pipe `address`,
 * making a duplex pipe transport and a protocol (`protocolFactory()`) for
 * each client; `getExtraInfo('addr')` is the address, ('pipe') the
 * PipeHandle. Returns [server]; server.close() stops serving (connections
 * already made stay open). Rejects with PermissionError when a live server
 * has the name (bad arguments throw TypeError/RangeError/Error at once). The accept loop: a client that left before it was accepted
 * (BrokenPipeError) is skipped; any other failure of a new instance goes to
 * loop.callExceptionHandler ('Pipe accept failed') and serving goes on.
 * While the server is open it holds the shared on-demand loop running.
 */
export function startServingPipe(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory,
  address: string,
  opts: PipeServerOptions = {},
): Promise<[PipeServer]> {
  checkLoop(loop);
  if (typeof protocolFactory !== 'function') throw new TypeError('protocolFactory must be a function');
  // Bad arguments throw now; a name a live server holds rejects (as
  // CPython's coroutine raises when awaited).
  pipePath(address);
  checkServerOptions(opts);
  let server: PipeServer;
  try {
    server = new PipeServer(address, opts);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  let busyDelay = BUSY_INIT_DELAY;

  // `instance` is the one f waited on. Difference from CPython: on Windows
  // an instance whose accept failed (a client that came and left:
  // BrokenPipeError) is closed here; CPython's weak set of free instances
  // leaves that to the garbage collector.
  const loopAcceptPipe = (f: Future<PipeHandle> | null = null, instance: PipeHandle | null = null): void => {
    let pipe: PipeHandle | null = null;
    try {
      if (f !== null) {
        if (f.cancelled()) throw new CancelledError();
        pipe = f.result();
        server._freeInstances.delete(pipe);
        if (server.closed()) {
          // A client connected before the server was closed: drop the
          // client (close the pipe) and exit.
          pipe.close();
          return;
        }
        server._setUpConnection(pipe);
        const protocol = protocolFactory();
        loop._makeDuplexPipeTransport(pipe, protocol, null, { addr: address });
      }
      pipe = server._getUnconnectedPipe();
      if (pipe === null) {
        if (server.closed()) return;
        // Every instance is taken (maxInstances): try again later.
        server._acceptPipeFuture = loop.callLater(busyDelay, loopAcceptPipe, null);
        busyDelay = Math.min(busyDelay * 2, BUSY_MAX_DELAY);
        return;
      }
      busyDelay = BUSY_INIT_DELAY;
      f = loop._proactor.acceptPipe(pipe);
    } catch (exc) {
      if (isWindows && pipe === null && instance !== null && !(exc instanceof CancelledError)) {
        server._freeInstances.delete(instance);
        instance.close();
      }
      if (exc instanceof BrokenPipeError) {
        if (pipe !== null && !pipe.closed) pipe.close();
        loop.callSoon(loopAcceptPipe, null);
      } else if (exc instanceof CancelledError) {
        if (pipe !== null) pipe.close();
      } else {
        if (pipe !== null && !pipe.closed) {
          loop.callExceptionHandler({ message: 'Pipe accept failed', exception: exc, pipe });
          pipe.close();
        } else if (loop.getDebug()) {
          logger.warn(`Accept pipe failed on pipe ${String(pipe)}: ${String(exc)}`);
        }
        loop.callSoon(loopAcceptPipe, null);
      }
      return;
    }
    server._acceptPipeFuture = f;
    const accepting = pipe;
    f.addDoneCallback((done) => loopAcceptPipe(done, accepting));
  };

  loop._resourceOpened();
  server._onClose = () => loop._resourceClosed();
  loop.callSoon(loopAcceptPipe, null);
  return Promise.resolve([server]);
}

/**
 * Port of ProactorEventLoop.create_pipe_connection: connects to the pipe
 * `address` and makes a duplex pipe transport for it with
 * `protocolFactory()`. Rejects with FileNotFoundError when no server has
 * the name; a busy pipe is retried (IocpProactor.connectPipe).
 */
export function createPipeConnection<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  address: string,
): Promise<[Transport, P]> {
  checkLoop(loop);
  if (typeof protocolFactory !== 'function') throw new TypeError('protocolFactory must be a function');
  pipePath(address);
  return holdWhile(loop, async () => {
    const pipe = await loop._proactor.connectPipe(address);
    let protocol: P;
    try {
      protocol = protocolFactory();
    } catch (err) {
      pipe.close();
      throw err;
    }
    const transport = loop._makeDuplexPipeTransport(pipe, protocol, null, { addr: address });
    return [transport, protocol];
  });
}
