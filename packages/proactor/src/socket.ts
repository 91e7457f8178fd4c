// A socket handle for the proactor: an overlapped SOCKET on Windows, a
// non-blocking fd on Linux. Operations on it go through IocpProactor; this
// class does the synchronous parts (bind, listen, options, close).
import { native } from '@iocp/native';

import { decodeAddress, encodeAddress, familyNumber, typeNumber } from './address';
import type { SockAddr, SocketFamily, SocketType } from './address';
import { check, systemError } from './system-error';
import type { OverlappedFuture, TrackedConnection } from './overlapped-future';

/** Something that runs operations on sockets or pipes and must hear of their close. */
export interface SocketOwner {
  /** Called before the socket is closed: cancel and forget its operations. */
  _socketClosing(sock: Socket): void;
  /** Called before another kind of connection (a PipeHandle) is closed: the same. */
  _connectionClosing(conn: TrackedConnection): void;
}

/** A string argument that must be one of `choices`: TypeError for another type, RangeError for another string. */
function checkChoice<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  const list = choices.map((c) => `'${c}'`).join(', ');
  if (typeof value !== 'string') throw new TypeError(`${name} must be one of ${list}, got ${typeof value}`);
  if (!choices.includes(value as T)) throw new RangeError(`${name} must be one of ${list}, got '${value}'`);
  return value as T;
}

const FAMILIES: readonly SocketFamily[] = ['inet', 'inet6', 'unix'];
const TYPES: readonly SocketType[] = ['stream', 'dgram'];

type OptionName = 'SO_REUSEADDR' | 'TCP_NODELAY' | 'SO_KEEPALIVE' | 'SO_RCVBUF' | 'SO_SNDBUF' | 'SO_BROADCAST';

const OPTION_NAMES: readonly OptionName[] = ['SO_REUSEADDR', 'TCP_NODELAY', 'SO_KEEPALIVE', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_BROADCAST'];

function optionLevel(name: OptionName): [number, number] {
  checkChoice(name, 'name', OPTION_NAMES);
  const c = native.constants;
  switch (name) {
    case 'SO_REUSEADDR':
      return [c.SOL_SOCKET, c.SO_REUSEADDR];
    case 'TCP_NODELAY':
      return [c.IPPROTO_TCP, c.TCP_NODELAY];
    case 'SO_KEEPALIVE':
      return [c.SOL_SOCKET, c.SO_KEEPALIVE];
    case 'SO_RCVBUF':
      return [c.SOL_SOCKET, c.SO_RCVBUF];
    case 'SO_SNDBUF':
      return [c.SOL_SOCKET, c.SO_SNDBUF];
    case 'SO_BROADCAST':
      return [c.SOL_SOCKET, c.SO_BROADCAST];
    default:
      throw new RangeError(
        `name must be one of SO_REUSEADDR, TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_BROADCAST, got ${String(name)}`,
      );
  }
}

const SHUTDOWN = { read: 'SHUT_RD', write: 'SHUT_WR', both: 'SHUT_RDWR' } as const;

export class Socket {
  readonly family: SocketFamily;
  readonly type: SocketType;
  private _handle: number;
  /** Owners (proactors) that ran operations on this socket. */
  readonly _owners = new Set<SocketOwner>();
  /** @internal The first operation pending on this socket (see IocpProactor._track). */
  _opHead: OverlappedFuture<unknown> | null = null;

  constructor(family: SocketFamily = 'inet', type: SocketType = 'stream', handle?: number) {
    checkChoice(family, 'family', FAMILIES);
    checkChoice(type, 'type', TYPES);
    this.family = family;
    this.type = type;
    this._handle = handle ?? check(native.socket(familyNumber(family), typeNumber(type)), 'socket');
  }

  /**
   * A connected pair: socketpair(AF_UNIX) on Linux; on Windows a loopback TCP
   * pair, as CPython's socket.socketpair does there.
   */
  static pair(): [Socket, Socket] {
    const family: SocketFamily = process.platform === 'win32' ? 'inet' : 'unix';
    const r = native.socketPair(familyNumber(family), typeNumber('stream'));
    const [a, b] = check(r, 'socketpair');
    return [new Socket(family, 'stream', a), new Socket(family, 'stream', b)];
  }

  get closed(): boolean {
    return this._handle < 0;
  }

  /** The OS handle (fd on Linux, SOCKET on Windows), or -1 once closed. */
  fileno(): number {
    return this._handle;
  }

  /** The handle, or an OSError (EBADF) when closed. */
  _checkedHandle(): number {
    if (this._handle < 0) throw systemError(process.platform === 'win32' ? -10038 : -9, 'socket');
    return this._handle;
  }

  bind(addr: SockAddr): void {
    const bytes = encodeAddress(this.family, addr, 'addr');
    check(native.bind(this._checkedHandle(), bytes), 'bind');
  }

  listen(backlog = 511): void {
    if (typeof backlog !== 'number') throw new TypeError('backlog must be a number');
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`backlog must be a non-negative integer, got ${backlog}`);
    check(native.listen(this._checkedHandle(), backlog), 'listen');
  }

  getsockname(): SockAddr {
    const bytes = check(native.getsockname(this._checkedHandle()), 'getsockname');
    return decodeAddress(bytes) ?? '';
  }

  getpeername(): SockAddr {
    const bytes = check(native.getpeername(this._checkedHandle()), 'getpeername');
    return decodeAddress(bytes) ?? '';
  }

  setsockopt(name: OptionName, value: boolean | number): void {
    const [level, opt] = optionLevel(name);
    if (typeof value !== 'boolean' && typeof value !== 'number') throw new TypeError('value must be a boolean or a number');
    const v = typeof value === 'boolean' ? Number(value) : value;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`value must be an integer in [0, 2147483647], got ${v}`);
    }
    check(native.setsockopt(this._checkedHandle(), level, opt, v), 'setsockopt');
  }

  getsockopt(name: OptionName): number {
    const [level, opt] = optionLevel(name);
    return check(native.getsockopt(this._checkedHandle(), level, opt), 'getsockopt');
  }

  shutdown(how: 'read' | 'write' | 'both'): void {
    const key = SHUTDOWN[checkChoice(how, 'how', ['read', 'write', 'both'] as const)];
    check(native.shutdown(this._checkedHandle(), native.constants[key]), 'shutdown');
  }

  /**
   * Closes the socket (idempotent). Operations still pending on it are
   * cancelled first; their futures end cancelled, or reads and writes with
   * ConnectionResetError and other operations with an OSError 'ECANCELED'.
   */
  close(): void {
    if (this._handle < 0) return;
    for (const owner of this._owners) owner._socketClosing(this);
    this._owners.clear();
    const handle = this._handle;
    this._handle = -1;
    native.closeSocket(handle);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `<Socket fd=${this._handle} family=${this.family} type=${this.type}>`;
  }
}
