// Addresses of Node's sockets as SockAddr tuples (API.md: [host, port] for
// IPv4, [host, port, flowinfo, scopeId] for IPv6), as the proactor loop's
// getExtraInfo('peername' | 'sockname') gives them.
import type { SockAddr } from '@iocp/proactor';

/** [address, port] or [address, port, 0, 0] for an IPv6 address; null when unknown. */
export function sockAddr(address: string | undefined, port: number | undefined, family?: string | number): SockAddr | null {
  if (address === undefined || port === undefined) return null;
  const v6 = family === 'IPv6' || family === 6 || address.includes(':');
  return v6 ? [address, port, 0, 0] : [address, port];
}
