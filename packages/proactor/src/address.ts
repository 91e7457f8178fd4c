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

function checkField(value: unknown, name: string, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw new TypeError(`${name} ${field} must be a number`);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} ${field} must be an integer in [0, 4294967295], got ${value}`);
  }
  return value;
}

/** sockaddr_un's sun_path holds 108 bytes on Linux and Windows, the last one a NUL. */
const MAX_UNIX_PATH = 107;

/**
 * Encodes addr for a socket of the given family. Throws TypeError for a
 * malformed address (wrong shape, or a host that is not a numeric IP).
 */
export function encodeAddress(family: SocketFamily, addr: unknown, name = 'address'): Buffer {
  const fam = familyNumber(family);
  let encoded: Uint8Array | number;
  if (family === 'unix') {
    if (typeof addr !== 'string') throw new TypeError(`${name} must be a path string for a unix socket`);
    if (addr.length === 0) throw new TypeError(`${name} must not be an empty path`);
    if (addr.includes('\0')) throw new TypeError(`${name} must not contain NUL characters`);
    if (Buffer.byteLength(addr) > MAX_UNIX_PATH) {
      throw new RangeError(`${name} is too long for a unix socket path (${Buffer.byteLength(addr)} bytes, at most ${MAX_UNIX_PATH})`);
    }
    encoded = native.encodeAddress(fam, addr, 0);
  } else {
    if (!Array.isArray(addr) || typeof addr[0] !== 'string') {
      throw new TypeError(
        `${name} must be [host, port]${family === 'inet6' ? ' or [host, port, flowinfo, scopeId]' : ''}`,
      );
    }
    if (addr[0].includes('\0')) throw new TypeError(`${name} host must not contain NUL characters`);
    const port = checkPort(addr[1], name);
    if (family === 'inet' && addr.length !== 2) throw new TypeError(`${name} must be [host, port] for an inet socket`);
    if (addr.length > 4) throw new TypeError(`${name} must be [host, port, flowinfo, scopeId] at most`);
    const flowinfo = checkField(addr[2], name, 'flowinfo');
    const scopeId = checkField(addr[3], name, 'scopeId');
    encoded = native.encodeAddress(fam, addr[0], port, flowinfo, scopeId);
  }
  if (typeof encoded === 'number') {
    const why = family === 'unix' ? '' : ' (a numeric host is required)';
    throw new TypeError(`${name} ${JSON.stringify(addr)} is not a valid ${family} address${why}`);
  }
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Decodes sockaddr bytes (null when there are none). */
export function decodeAddress(bytes: Uint8Array, offset = 0, length = bytes.length - offset): SockAddr | null {
  return native.decodeAddress(bytes, offset, length);
}
