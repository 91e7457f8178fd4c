// Port of base_events.py BaseEventLoop.create_datagram_endpoint for
// BaseProactorEventLoop. CPython's ValueErrors are TypeError (a wrong
// argument or combination) or RangeError (reuseAddress: true) here;
// 'can not get address information' (no family fits both addresses) is an
// OSError, since it depends on what the names resolved to.
import * as fs from 'node:fs';

import { OSError, logger } from '@iocp/futures';

import type { SockAddr, SocketFamily } from '../address';
import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { BaseProtocol, ProtocolFactory } from '../protocols';
import { Socket } from '../socket';
import type { DatagramTransport } from '../transports/types';
import { checkOptions, checkProtocolFactory, checkSocket } from './create-connection';
import type { CreateDatagramEndpointOptions } from './options';
import { ensureResolved, splitAddress } from './resolve-address';
import { setReusePort } from './socket-options';

type Family = 'inet' | 'inet6' | 'unix' | 'unspec';
const FAMILIES: readonly Family[] = ['inet', 'inet6', 'unix', 'unspec'];

interface Pair {
  family: SocketFamily;
  local: SockAddr | null;
  remote: SockAddr | null;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== false;
}

/** BaseProactorEventLoop.createDatagramEndpoint: see the file comment. */
export function createDatagramEndpoint<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  options?: CreateDatagramEndpointOptions,
): Promise<[DatagramTransport, P]> {
  checkProtocolFactory(protocolFactory);
  const opts = checkOptions<CreateDatagramEndpointOptions>(options);
  // CPython 3.8+ (bpo-37228): SO_REUSEADDR on UDP lets another socket take
  // the traffic of this one; True is refused, False is accepted (it was
  // deprecated, then removed in 3.11).
  if (opts.reuseAddress === true) {
    throw new RangeError(
      'reuseAddress: true is no longer supported, as the usage of SO_REUSEADDR in UDP poses a significant security concern',
    );
  }
  if (opts.sock !== undefined && opts.sock !== null) {
    const sock = checkSocket(opts.sock, 'dgram');
    const modifiers = { localAddr: opts.localAddr, remoteAddr: opts.remoteAddr, family: opts.family, reusePort: opts.reusePort, allowBroadcast: opts.allowBroadcast };
    const problems = Object.entries(modifiers)
      .filter(([, v]) => present(v))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    if (problems.length > 0) {
      throw new TypeError(`socket modifier options can not be used when sock is specified. (${problems.join(', ')})`);
    }
    return makeTransport(loop, protocolFactory, sock, null, false);
  }
  const family = (opts.family ?? 'unspec');
  if (!FAMILIES.includes(family)) throw new RangeError(`family must be 'inet', 'inet6', 'unix' or 'unspec', got ${String(family)}`);
  const reusePort = opts.reusePort ?? false;
  const allowBroadcast = opts.allowBroadcast ?? false;
  if (typeof reusePort !== 'boolean') throw new TypeError('reusePort must be a boolean');
  if (typeof allowBroadcast !== 'boolean') throw new TypeError('allowBroadcast must be a boolean');
  if (reusePort && process.platform !== 'linux') {
    throw new Error(`reusePort is not supported on this platform (${process.platform})`);
  }
  const localAddr = opts.localAddr ?? null;
  const remoteAddr = opts.remoteAddr ?? null;
  let pairs: Pair[] | Promise<Pair[]>;
  if (!present(localAddr) && !present(remoteAddr)) {
    if (family === 'unspec') throw new TypeError('unexpected address family');
    pairs = [{ family, local: null, remote: null }];
  } else if (family === 'unix') {
    for (const addr of [localAddr, remoteAddr]) {
      if (addr !== null && typeof addr !== 'string') throw new TypeError('string is expected');
    }
    if (typeof localAddr === 'string' && localAddr !== '' && localAddr[0] !== '\0') removeStaleSocket(localAddr);
    pairs = [{ family, local: localAddr, remote: remoteAddr }];
  } else {
    const local = localAddr === null ? null : splitAddress(localAddr, 'localAddr');
    const remote = remoteAddr === null ? null : splitAddress(remoteAddr, 'remoteAddr');
    pairs = resolvePairs(loop, family, local, remote);
  }
  return open(loop, protocolFactory, pairs, { reusePort, allowBroadcast, local: present(localAddr), remote: present(remoteAddr) });
}

// Port of the stale unix socket removal of create_datagram_endpoint.
function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    // The folder may only allow creating the socket.
    logger.error(`Unable to check or remove stale UNIX socket ${JSON.stringify(path)}: ${String(err)}`);
  }
}

// Join the addresses by family: each family must have both addresses asked for.
async function resolvePairs(
  loop: BaseProactorEventLoop,
  family: 'inet' | 'inet6' | 'unspec',
  local: ReturnType<typeof splitAddress> | null,
  remote: ReturnType<typeof splitAddress> | null,
): Promise<Pair[]> {
  const byFamily = new Map<SocketFamily, [SockAddr | null, SockAddr | null]>();
  for (const [idx, addr] of [local, remote].entries()) {
    if (addr === null) continue;
    const infos = await ensureResolved(loop, addr.host, addr.port, { family, flowinfo: addr.flowinfo, scopeId: addr.scopeId });
    if (infos.length === 0) throw new OSError('getaddrinfo() returned empty list');
    for (const info of infos) {
      let pair = byFamily.get(info.family);
      if (pair === undefined) {
        pair = [null, null];
        byFamily.set(info.family, pair);
      }
      // The first address of each family is kept, as CPython's dict does (the last); one is enough.
      if (pair[idx] === null) pair[idx] = info.address;
    }
  }
  const pairs: Pair[] = [];
  for (const [fam, [l, r]] of byFamily) {
    if ((local !== null && l === null) || (remote !== null && r === null)) continue;
    pairs.push({ family: fam, local: l, remote: r });
  }
  if (pairs.length === 0) throw new OSError('can not get address information');
  return pairs;
}

async function open<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  pairsOrPromise: Pair[] | Promise<Pair[]>,
  o: { reusePort: boolean; allowBroadcast: boolean; local: boolean; remote: boolean },
): Promise<[DatagramTransport, P]> {
  const pairs = await pairsOrPromise;
  const errors: Error[] = [];
  let chosen: [Socket, SockAddr | null] | null = null;
  for (const pair of pairs) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(pair.family, 'dgram');
      if (o.reusePort) setReusePort(sock);
      if (o.allowBroadcast) sock.setsockopt('SO_BROADCAST', true);
      if (o.local && pair.local !== null) sock.bind(pair.local);
      let rAddr: SockAddr | null = null;
      if (o.remote && pair.remote !== null) {
        // A broadcast endpoint stays unconnected and sends to the address.
        if (!o.allowBroadcast) await loop._proactor.connect(sock, pair.remote);
        rAddr = pair.remote;
      }
      chosen = [sock, rAddr];
      break;
    } catch (exc) {
      sock?.close();
      if (!(exc instanceof OSError)) throw exc;
      errors.push(exc);
    }
  }
  if (chosen === null) throw errors[0];
  return makeTransport(loop, protocolFactory, chosen[0], chosen[1], true);
}

async function makeTransport<P extends BaseProtocol>(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory<P>,
  sock: Socket,
  rAddr: SockAddr | null,
  ownSock: boolean,
): Promise<[DatagramTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (exc) {
    if (ownSock) sock.close();
    throw exc;
  }
  const waiter = loop.createFuture<void>();
  const transport = loop._makeDatagramTransport(sock, protocol, rAddr, waiter);
  try {
    await waiter;
  } catch (exc) {
    transport.close();
    throw exc;
  }
  return [transport, protocol];
}
