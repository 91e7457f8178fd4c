// Socket addresses: API.md's SockAddr ([host, port] for IPv4, [host, port,
// flowinfo, scopeId] for IPv6, a path string for Unix sockets) to and from
// the OS's sockaddr bytes, through the native encoder (numeric hosts only;
// name resolution is the caller's, as in CPython's proactor).
import { native } from '@iocp/native';

export type SockAddr = [string, number] | [string, number, number, number] | string;

export type SocketFamily = 'inet' | 'inet6' | 'unix';
export type SocketType = 'stream' | 'dgram';

export function familyNumber(family: SocketFamily): number {
  const c = native.constants;
  return family === 'inet' ? c.AF_INET : family === 'inet6' ? c.AF_INET6 : c.AF_UNIX;
}

export function typeNumber(type: SocketType): number {
  return type === 'stream' ? native.constants.SOCK_STREAM : native.constants.SOCK_DGRAM;
}

function checkPort(port: unknown, name: string): number {
  if (typeof port !== 'number') throw new TypeError(`${name} port must be a number`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${name} port must be an integer in [0, 65535], got ${port}`);
  }
  return port;
}

/**
 * Encodes addr for a socket of the given family. Throws TypeError for a
 * malformed address (wrong shape, or a host that is not a numeric IP).
 */
export function encodeAddress(family: SocketFamily, addr: unknown, name = 'address'): Buffer {
  const fam = familyNumber(family);
  let encoded: Uint8Array | number;
  if (family === 'unix') {
    if (typeof addr !== 'string') throw new TypeError(`${name} must be a path string for a unix socket`);
    encoded = native.encodeAddress(fam, addr, 0);
  } else {
    if (!Array.isArray(addr) || typeof addr[0] !== 'string') {
      throw new TypeError(
        `${name} must be [host, port]${family === 'inet6' ? ' or [host, port, flowinfo, scopeId]' : ''}`,
      );
    }
    const port = checkPort(addr[1], name);
    if (family === 'inet' && addr.length !== 2) throw new TypeError(`${name} must be [host, port] for an inet socket`);
    const flowinfo = (addr[2] as number | undefined) ?? 0;
    const scopeId = (addr[3] as number | undefined) ?? 0;
    encoded = native.encodeAddress(fam, addr[0], port, flowinfo, scopeId);
  }
  if (typeof encoded === 'number') {
    throw new TypeError(`${name} ${JSON.stringify(addr)} is not a valid ${family} address (a numeric host is required)`);
  }
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Decodes sockaddr bytes (null when there are none). */
export function decodeAddress(bytes: Uint8Array, offset = 0, length = bytes.length - offset): SockAddr | null {
  return native.decodeAddress(bytes, offset, length);
}
