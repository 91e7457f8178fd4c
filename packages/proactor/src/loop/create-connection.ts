// Port of base_events.py BaseEventLoop.create_connection, _connect_sock,
// _create_connection_transport and connect_accepted_socket, for
// BaseProactorEventLoop. The arguments are checked synchronously (TypeError /
// RangeError where CPython raises ValueError, API.md's convention); the rest
// runs in the returned promise.
//
// The addresses are tried one at a time, in the resolver's order (or
// interleaved by family with `interleave`); with `happyEyeballsDelay` the
// next attempt starts after that many ms even if the one before is still
// connecting (staggered-race.ts), and the interleave defaults to 1.
import { OSError } from '@iocp/futures';

import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { BaseProtocol, ProtocolFactory } from '../protocols';
import { Socket } from '../socket';
import type { Transport } from '../transports/types';
import { bindError, combineConnectErrors } from './connect-errors';
import type { CreateConnectionOptions } from './options';
import { checkFamily, checkHost, checkPort, ensureResolved, interleaveAddrinfos, splitAddress } from './resolve-address';
import type { AddrInfo } from './resolve-address';
import { staggeredRace } from './staggered-race';

export function checkProtocolFactory(protocolFactory: unknown): void {
  if (typeof protocolFactory !== 'function') throw new TypeError('protocolFactory must be a function');
}

export function checkOptions<T extends object>(opts: unknown): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== 'object') throw new TypeError('opts must be an object');
  return opts as T;
}

/** Checks a socket argument: a Socket of the given type. */
export function checkSocket(sock: unknown, type: 'stream' | 'dgram'): Socket {
  if (!(sock instanceof Socket)) throw new TypeError('sock must be a Socket');
  if (sock.type !== type) {
    throw new TypeError(`A ${type === 'stream' ? 'Stream' : 'datagram'} Socket was expected, got ${sock.toString()}`);
  }
  return sock;
}

// Port of base_events.py _connect_sock: create, bind and connect one socket.
// Every error of this attempt goes into `mine` (the caller combines them).
async function connectSock(
  loop: BaseProactorEventLoop,
  attempts: Error[][],
  addrInfo: AddrInfo,
  localAddrInfos: AddrInfo[] | null,
): Promise<Socket> {
  const mine: Error[] = [];
  attempts.push(mine);
  let sock: Socket | null = null;
  try {
    sock = new Socket(addrInfo.family, 'stream');
    if (localAddrInfos !== null) {
      let bound = false;
      for (const local of localAddrInfos) {
        // Local addresses of another family are skipped.
        if (local.family !== addrInfo.family) continue;
        try {
          sock.bind(local.address);
          bound = true;
          break;
        } catch (exc) {
          if (!(exc instanceof OSError)) throw exc;
          mine.push(bindError(exc, local.address));
        }
      }
      if (!bound) {
        const last = mine.pop();
        throw last ?? new OSError(`no matching local address with family=${addrInfo.family} found`);
      }
    }
    // As sock_connect does on the proactor loop.
    await loop._proactor.connect(sock, addrInfo.address);
    return sock;
  } catch (exc) {
    if (exc instanceof OSError) mine.push(exc);
    sock?.close();
    throw exc;
  }
}

// Port of base_events.py _create_connection_transport (no ssl).
/**
 * Makes the protocol and the socket transport of a connected socket and
 * resolves once the transport called connectionMade (its waiter is done).
 * `ownSock`: close the socket if the protocol factory throws.
 */
export async function createConnectionTransport<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  sock: Socket,
  protocolFactory: ProtocolFactory<P>,
  ownSock: boolean,
): Promise<[Transport, P]> {
  let protocol: P;
  try {
    // TCP_NODELAY: the socket transport sets it, as CPython's does.
    protocol = protocolFactory();
  } catch (exc) {
    if (ownSock) sock.close();
    throw exc;
  }
  const waiter = loop.createFuture<void>();
  const transport = loop._makeSocketTransport(sock, protocol, waiter);
  try {
    await waiter;
  } catch (exc) {
    transport.close();
    throw exc;
  }
  return [transport, protocol];
}

/** BaseProactorEventLoop.createConnection: see the file comment. */
export function createConnection<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  host: string | null | undefined,
  port: number | null | undefined,
  options?: CreateConnectionOptions,
): Promise<[Transport, P]> {
  checkProtocolFactory(protocolFactory);
  const opts = checkOptions<CreateConnectionOptions>(options);
  const family = checkFamily(opts.family);
  const delay = opts.happyEyeballsDelay ?? null;
  if (delay !== null) {
    if (typeof delay !== 'number') throw new TypeError('happyEyeballsDelay must be a number (ms)');
    if (!(delay >= 0) || !Number.isFinite(delay)) throw new RangeError(`happyEyeballsDelay must be a non-negative number of ms, got ${delay}`);
  }
  // With happy eyeballs the addresses interleave by family unless told otherwise.
  const interleave = opts.interleave ?? (delay !== null ? 1 : 0);
  if (typeof interleave !== 'number') throw new TypeError('interleave must be a number');
  if (!Number.isInteger(interleave) || interleave < 0) {
    throw new RangeError(`interleave must be a non-negative integer, got ${interleave}`);
  }
  const allErrors = opts.allErrors ?? false;
  if (typeof allErrors !== 'boolean') throw new TypeError('allErrors must be a boolean');
  if ((host !== undefined && host !== null) || (port !== undefined && port !== null)) {
    if (opts.sock !== undefined && opts.sock !== null) {
      throw new TypeError('host/port and sock can not be specified at the same time');
    }
    const h = checkHost(host);
    const p = checkPort(port);
    const local = opts.localAddr === undefined || opts.localAddr === null ? null : splitAddress(opts.localAddr, 'localAddr');
    return connectByAddress(loop, protocolFactory, h, p, family, local, interleave, allErrors, delay);
  }
  if (opts.sock === undefined || opts.sock === null) {
    throw new TypeError('host and port was not specified and no sock specified');
  }
  const sock = checkSocket(opts.sock, 'stream');
  return createConnectionTransport(loop, sock, protocolFactory, false);
}

async function connectByAddress<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  host: string | null,
  port: number,
  family: 'inet' | 'inet6' | 'unspec',
  local: ReturnType<typeof splitAddress> | null,
  interleave: number,
  allErrors: boolean,
  happyEyeballsDelay: number | null,
): Promise<[Transport, P]> {
  let infos = await ensureResolved(loop, host, port, { family });
  if (infos.length === 0) throw new OSError('getaddrinfo() returned empty list');
  let localInfos: AddrInfo[] | null = null;
  if (local !== null) {
    localInfos = await ensureResolved(loop, local.host, local.port, {
      family,
      flowinfo: local.flowinfo,
      scopeId: local.scopeId,
    });
    if (localInfos.length === 0) throw new OSError('getaddrinfo() returned empty list');
  }
  if (interleave > 0) infos = interleaveAddrinfos(infos, interleave);

  const attempts: Error[][] = [];
  let sock: Socket | null = null;
  if (happyEyeballsDelay === null) {
    for (const info of infos) {
      try {
        sock = await connectSock(loop, attempts, info, localInfos);
        break;
      } catch (exc) {
        if (!(exc instanceof OSError)) throw exc;
      }
    }
  } else {
    sock = await staggeredRace(
      loop,
      infos.map((info) => () => connectSock(loop, attempts, info, localInfos)),
      happyEyeballsDelay,
      (extra) => extra.close(),
    );
  }
  if (sock === null) throw combineConnectErrors(attempts.flat(), allErrors);
  return createConnectionTransport(loop, sock, protocolFactory, true);
}

// Port of base_events.py connect_accepted_socket (no ssl).
/** BaseProactorEventLoop.connectAcceptedSocket: a transport for an accepted (connected) stream socket. */
export function connectAcceptedSocket<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  sock: Socket,
): Promise<[Transport, P]> {
  checkProtocolFactory(protocolFactory);
  checkSocket(sock, 'stream');
  return createConnectionTransport(loop, sock, protocolFactory, false);
}
