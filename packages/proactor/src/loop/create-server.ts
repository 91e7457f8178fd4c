// Port of base_events.py BaseEventLoop.create_server and
// _create_server_getaddrinfo for BaseProactorEventLoop: one listening socket
// per resolved address (a host, a list of hosts, or null / '' for every
// interface), then a Server that serves them. Arguments are checked
// synchronously (TypeError / RangeError for CPython's ValueError).
import { OSError, sleep } from '@iocp/futures';

import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import type { ProtocolFactory } from '../protocols';
import { Socket } from '../socket';
import { bindError, formatAddress } from './connect-errors';
import { checkOptions, checkProtocolFactory, checkSocket } from './create-connection';
import type { CreateServerOptions } from './options';
import { checkFamily, checkHost, checkPort, ensureResolved } from './resolve-address';
import type { AddrInfo } from './resolve-address';
import { Server } from './server';
import { setReusePort, setV6Only } from './socket-options';

/** CPython's default: os.name == 'posix' (SO_REUSEADDR on Windows lets another process steal the port). */
const DEFAULT_REUSE_ADDRESS = process.platform !== 'win32';

function checkBool(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

function checkBacklog(backlog: unknown): number {
  if (backlog === undefined || backlog === null) return 100;
  if (typeof backlog !== 'number') throw new TypeError('backlog must be a number');
  if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`backlog must be a non-negative integer, got ${backlog}`);
  return backlog;
}

function checkHosts(host: unknown): (string | null)[] {
  if (host === '' || host === undefined || host === null) return [null];
  if (typeof host === 'string') return [host];
  if (Array.isArray(host)) {
    return host.map((h, i) => {
      const checked = checkHost(h, `host[${i}]`);
      return checked === '' ? null : checked;
    });
  }
  throw new TypeError('host must be a string, an array of strings, or null');
}

// Port of base_events.py _create_server_getaddrinfo.
async function serverAddrinfo(loop: BaseProactorEventLoop, host: string | null, port: number, family: 'inet' | 'inet6' | 'unspec'): Promise<AddrInfo[]> {
  const infos = await ensureResolved(loop, host, port, { family, passive: true });
  if (infos.length === 0) throw new OSError(`getaddrinfo(${JSON.stringify(host)}) returned empty list`);
  return infos;
}

/** BaseProactorEventLoop.createServer: see the file comment. */
export function createServer(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory,
  host: string | string[] | null | undefined,
  port: number | null | undefined,
  options?: CreateServerOptions,
): Promise<Server> {
  checkProtocolFactory(protocolFactory);
  const opts = checkOptions<CreateServerOptions>(options);
  const family = checkFamily(opts.family);
  const backlog = checkBacklog(opts.backlog);
  const reuseAddress = checkBool(opts.reuseAddress, 'reuseAddress') ?? DEFAULT_REUSE_ADDRESS;
  const reusePort = checkBool(opts.reusePort, 'reusePort') ?? false;
  const keepAlive = checkBool(opts.keepAlive, 'keepAlive') ?? false;
  const startServing = checkBool(opts.startServing, 'startServing') ?? true;
  if (reusePort && process.platform !== 'linux') {
    throw new Error(`reusePort is not supported on this platform (${process.platform})`);
  }
  const hasAddress = (host !== undefined && host !== null) || (port !== undefined && port !== null);
  if (hasAddress) {
    if (opts.sock !== undefined && opts.sock !== null) {
      throw new TypeError('host/port and sock can not be specified at the same time');
    }
    const hosts = checkHosts(host);
    const p = checkPort(port);
    return serve(loop, protocolFactory, backlog, startServing, async () =>
      bindAll(loop, hosts, p, family, { reuseAddress, reusePort, keepAlive }),
    );
  }
  if (opts.sock === undefined || opts.sock === null) throw new TypeError('Neither host/port nor sock were specified');
  const sock = checkSocket(opts.sock, 'stream');
  return serve(loop, protocolFactory, backlog, startServing, () => Promise.resolve([sock]));
}

async function serve(
  loop: BaseProactorEventLoop,
  protocolFactory: ProtocolFactory,
  backlog: number,
  startServing: boolean,
  makeSockets: () => Promise<Socket[]>,
): Promise<Server> {
  const sockets = await makeSockets();
  const server = new Server(loop, sockets, protocolFactory, backlog);
  if (startServing) {
    server._startServing();
    // Skip one loop iteration, as CPython does.
    await sleep(0);
  }
  return server;
}

async function bindAll(
  loop: BaseProactorEventLoop,
  hosts: (string | null)[],
  port: number,
  family: 'inet' | 'inet6' | 'unspec',
  o: { reuseAddress: boolean; reusePort: boolean; keepAlive: boolean },
): Promise<Socket[]> {
  const lists = await Promise.all(hosts.map((h) => serverAddrinfo(loop, h, port, family)));
  // A host given twice, or two names of one address, is bound once.
  const seen = new Set<string>();
  const infos: AddrInfo[] = [];
  for (const info of lists.flat()) {
    const key = `${info.family} ${formatAddress(info.address)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    infos.push(info);
  }
  const sockets: Socket[] = [];
  let completed = false;
  try {
    for (const info of infos) {
      let sock: Socket;
      try {
        sock = new Socket(info.family, 'stream');
      } catch (exc) {
        // Assume the family is not supported here (no IPv6).
        if (exc instanceof OSError) continue;
        throw exc;
      }
      sockets.push(sock);
      if (o.reuseAddress) sock.setsockopt('SO_REUSEADDR', true);
      if (o.reusePort) setReusePort(sock);
      if (o.keepAlive) sock.setsockopt('SO_KEEPALIVE', true);
      // No dual stack (Linux's default): the IPv4 address has its own socket.
      if (info.family === 'inet6') setV6Only(sock);
      try {
        sock.bind(info.address);
      } catch (exc) {
        if (!(exc instanceof OSError)) throw exc;
        if (exc.code === 'EADDRNOTAVAIL') {
          // Assume the family is not enabled (bpo-30945).
          sockets.pop();
          sock.close();
          continue;
        }
        throw bindError(exc, info.address);
      }
    }
    if (sockets.length === 0) {
      throw new OSError(`could not bind on any address out of [${infos.map((i) => formatAddress(i.address)).join(', ')}]`);
    }
    completed = true;
  } finally {
    if (!completed) for (const sock of sockets) sock.close();
  }
  return sockets;
}
