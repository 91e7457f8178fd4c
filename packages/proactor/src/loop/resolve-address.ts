// Address resolution for the connection and server helpers: ports of
// base_events.py _ipaddr_info, _ensure_resolved and _interleave_addrinfos,
// with Node's dns.lookup (getaddrinfo on libuv's thread pool) in place of
// loop.getaddrinfo's executor call.
import * as dns from 'node:dns';
import { isIP } from 'node:net';

import { OSError } from '@iocp/futures';

import type { SockAddr, SocketFamily } from '../address';
import type { FamilyOption } from './options';

/** One resolved address (CPython's addrinfo tuple, without type and proto). */
export interface AddrInfo {
  family: 'inet' | 'inet6';
  address: SockAddr;
}

/** What getaddrinfo is asked (CPython's family and AI_PASSIVE flag). */
export interface GetaddrinfoOptions {
  family?: FamilyOption;
  /** AI_PASSIVE: a null host means every interface (0.0.0.0 and ::) instead of loopback. */
  passive?: boolean;
}

const FAMILIES: readonly FamilyOption[] = ['inet', 'inet6', 'unspec'];

/** Checks a family option ('unspec' when absent). */
export function checkFamily(family: unknown, name = 'family'): FamilyOption {
  if (family === undefined || family === null) return 'unspec';
  if (!FAMILIES.includes(family as FamilyOption)) {
    throw new RangeError(`${name} must be 'inet', 'inet6' or 'unspec', got ${JSON.stringify(family)}`);
  }
  return family as FamilyOption;
}

/** Checks a port (null/undefined: 0, as CPython's None). */
export function checkPort(port: unknown, name = 'port'): number {
  if (port === undefined || port === null) return 0;
  if (typeof port !== 'number') throw new TypeError(`${name} must be a number`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${name} must be an integer in [0, 65535], got ${port}`);
  }
  return port;
}

/** Checks a host (a string or null). */
export function checkHost(host: unknown, name = 'host'): string | null {
  if (host === undefined || host === null) return null;
  if (typeof host !== 'string') throw new TypeError(`${name} must be a string or null`);
  return host;
}

function wants(family: FamilyOption, f: SocketFamily): boolean {
  return family === 'unspec' || family === f;
}

function info(f: 'inet' | 'inet6', host: string, port: number, flowinfo = 0, scopeId = 0): AddrInfo {
  return f === 'inet' ? { family: f, address: [host, port] } : { family: f, address: [host, port, flowinfo, scopeId] };
}

// Port of base_events.py _ipaddr_info: a numeric host needs no lookup.
/** The address of a numeric host, or null when host is a name (or of another family). */
export function ipAddrInfo(host: string, port: number, family: FamilyOption, flowinfo = 0, scopeId = 0): AddrInfo | null {
  // Linux's inet_pton does not take a zone index ('fe80::1%eth0'): resolve those.
  if (host.includes('%')) return null;
  const kind = isIP(host);
  if (kind === 4 && wants(family, 'inet')) return info('inet', host, port);
  if (kind === 6 && wants(family, 'inet6')) return info('inet6', host, port, flowinfo, scopeId);
  return null;
}

function lookupError(err: NodeJS.ErrnoException, host: string): OSError {
  // CPython raises socket.gaierror (an OSError); Node's code ('ENOTFOUND',
  // 'EAI_AGAIN') is kept.
  return new OSError(`getaddrinfo ${err.code ?? 'UNKNOWN'} ${host}`, undefined, {
    code: err.code ?? 'UNKNOWN',
    syscall: 'getaddrinfo',
    cause: err,
  });
}

/**
 * getaddrinfo(host, port) for stream or datagram sockets, through Node's
 * dns.lookup({all: true}) in the resolver's order. A null host is the
 * wildcard addresses with `passive` (0.0.0.0, then ::), else loopback
 * (127.0.0.1, then ::1). Rejects with an OSError (code 'ENOTFOUND', ...).
 */
export function getaddrinfo(host: string | null, port: number, opts: GetaddrinfoOptions = {}): Promise<AddrInfo[]> {
  const family = checkFamily(opts.family);
  if (host === null || host === '') {
    const [v4, v6] = opts.passive ? ['0.0.0.0', '::'] : ['127.0.0.1', '::1'];
    const out: AddrInfo[] = [];
    if (wants(family, 'inet')) out.push(info('inet', v4, port));
    if (wants(family, 'inet6')) out.push(info('inet6', v6, port));
    return Promise.resolve(out);
  }
  const numeric = ipAddrInfo(host, port, family);
  if (numeric !== null) return Promise.resolve([numeric]);
  return new Promise((resolve, reject) => {
    const lookupFamily = family === 'inet' ? 4 : family === 'inet6' ? 6 : 0;
    dns.lookup(host, { all: true, family: lookupFamily }, (err, addresses) => {
      if (err) {
        reject(lookupError(err, host));
        return;
      }
      const seen = new Set<string>();
      const out: AddrInfo[] = [];
      for (const a of addresses) {
        const key = `${a.family}/${a.address}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // A scoped IPv6 address ('fe80::1%eth0') keeps its zone in the host.
        out.push(info(a.family === 6 ? 'inet6' : 'inet', a.address, port));
      }
      resolve(out);
    });
  });
}

/** Something that resolves names: a loop's getaddrinfo (tests replace it). */
export interface Resolver {
  getaddrinfo(host: string | null, port: number, opts?: GetaddrinfoOptions): Promise<AddrInfo[]>;
}

// Port of base_events.py _ensure_resolved: a numeric address skips the lookup.
/** Resolves [host, port, ...] (host may be a name or null). */
export async function ensureResolved(
  resolver: Resolver,
  host: string | null,
  port: number,
  opts: GetaddrinfoOptions & { flowinfo?: number; scopeId?: number } = {},
): Promise<AddrInfo[]> {
  const family = checkFamily(opts.family);
  if (host !== null && host !== '') {
    const numeric = ipAddrInfo(host, port, family, opts.flowinfo ?? 0, opts.scopeId ?? 0);
    if (numeric !== null) return [numeric];
  }
  return resolver.getaddrinfo(host, port, { family, passive: opts.passive ?? false });
}

/** Splits a SockAddr given for resolution into its parts (TypeError when malformed). */
export function splitAddress(addr: unknown, name: string): { host: string | null; port: number; flowinfo: number; scopeId: number } {
  if (!Array.isArray(addr) || addr.length < 2 || addr.length > 4) {
    throw new TypeError(`${name} must be [host, port] or [host, port, flowinfo, scopeId]`);
  }
  const host = checkHost(addr[0], `${name} host`);
  const port = checkPort(addr[1], `${name} port`);
  const flowinfo = (addr[2] as unknown) ?? 0;
  const scopeId = (addr[3] as unknown) ?? 0;
  if (typeof flowinfo !== 'number' || typeof scopeId !== 'number') {
    throw new TypeError(`${name} flowinfo and scopeId must be numbers`);
  }
  return { host, port, flowinfo, scopeId };
}

// Port of base_events.py _interleave_addrinfos.
/** Reorders addresses so the families alternate, `firstFamilyCount` of the first family first. */
export function interleaveAddrinfos(infos: readonly AddrInfo[], firstFamilyCount = 1): AddrInfo[] {
  const byFamily = new Map<string, AddrInfo[]>();
  for (const i of infos) {
    const list = byFamily.get(i.family);
    if (list) list.push(i);
    else byFamily.set(i.family, [i]);
  }
  const lists = [...byFamily.values()];
  const reordered: AddrInfo[] = [];
  if (firstFamilyCount > 1 && lists.length > 0) {
    reordered.push(...lists[0].splice(0, firstFamilyCount - 1));
  }
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const l of lists) if (i < l.length) reordered.push(l[i]);
  }
  return reordered;
}
