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
  if (typeof value === 'string' && choices.includes(value as T)) return value as T;
  // The message is built only here: every accepted socket passes the check.
  const list = choices.map((c) => `'${c}'`).join(', ');
  if (typeof value !== 'string') throw new TypeError(`${name} must be one of ${list}, got ${typeof value}`);
  throw new RangeError(`${name} must be one of ${list}, got '${value}'`);
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

/**
 * A socket for the proactor (Python's `socket.socket` as IocpProactor uses
 * it): an overlapped SOCKET on Windows, a non-blocking close-on-exec fd on
 * Linux. The synchronous calls (bind, listen, options, shutdown, close) are
 * here; the I/O goes through IocpProactor (`recv`, `send`, `accept`,
 * `connect`, ...) or a loop's `sock*` methods. Errors from the OS are
 * OSError subclasses (e.g. `bind` on a taken port: an OSError 'EADDRINUSE');
 * calls on a closed socket throw an OSError 'EBADF'.
 */
export class Socket {
  /** 'inet' (IPv4), 'inet6' or 'unix'. */
  readonly family: SocketFamily;
  /** 'stream' or 'dgram'. */
  readonly type: SocketType;
  private _handle: number;
  /** Owners (proactors) that ran operations on this socket. */
  readonly _owners = new Set<SocketOwner>();
  /** @internal The first operation pending on this socket (see IocpProactor._track). */
  _opHead: OverlappedFuture<unknown> | null = null;

  /**
   * Opens a new socket (`socket()`), or wraps `handle`, an OS socket this
   * object then owns.
   * @throws TypeError or RangeError for an unknown family or type; an OSError
   *   when the OS refuses (e.g. 'EMFILE').
   */
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

  /** True once close() was called. */
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

  /**
   * Binds to `addr` (`[host, port]`, `[host, port, flowinfo, scopeId]` for
   * 'inet6', or a path for 'unix'). OS: `bind`.
   * @throws TypeError or RangeError for a bad address; an OSError subclass
   *   from the OS (an OSError 'EADDRINUSE', PermissionError, ...).
   */
  bind(addr: SockAddr): void {
    const bytes = encodeAddress(this.family, addr, 'addr');
    check(native.bind(this._checkedHandle(), bytes), 'bind');
  }

  /**
   * Starts listening (`listen`); then IocpProactor.accept takes connections.
   * @throws TypeError or RangeError for a bad backlog; an OSError from the OS.
   */
  listen(backlog = 511): void {
    if (typeof backlog !== 'number') throw new TypeError('backlog must be a number');
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`backlog must be a non-negative integer, got ${backlog}`);
    check(native.listen(this._checkedHandle(), backlog), 'listen');
  }

  /**
   * The local address (`getsockname`): `[host, port]` (inet),
   * `[host, port, flowinfo, scopeId]` (inet6) or a path (unix; '' if unbound).
   * @throws an OSError from the OS, or 'EBADF' once closed.
   */
  getsockname(): SockAddr {
    const bytes = check(native.getsockname(this._checkedHandle()), 'getsockname');
    return decodeAddress(bytes) ?? '';
  }

  /**
   * The peer's address (`getpeername`), in getsockname()'s shapes.
   * @throws an OSError 'ENOTCONN' (Windows: WSAENOTCONN) when not connected.
   */
  getpeername(): SockAddr {
    const bytes = check(native.getpeername(this._checkedHandle()), 'getpeername');
    return decodeAddress(bytes) ?? '';
  }

  /**
   * Sets an option by name: 'SO_REUSEADDR', 'TCP_NODELAY', 'SO_KEEPALIVE',
   * 'SO_RCVBUF', 'SO_SNDBUF' or 'SO_BROADCAST' (`setsockopt` at its level).
   * @throws TypeError or RangeError for an unknown name or a bad value; an
   *   OSError from the OS.
   */
  setsockopt(name: OptionName, value: boolean | number): void {
    const [level, opt] = optionLevel(name);
    if (typeof value !== 'boolean' && typeof value !== 'number') throw new TypeError('value must be a boolean or a number');
    const v = typeof value === 'boolean' ? Number(value) : value;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`value must be an integer in [0, 2147483647], got ${v}`);
    }
    check(native.setsockopt(this._checkedHandle(), level, opt, v), 'setsockopt');
  }

  /**
   * Reads an option setsockopt() takes (`getsockopt`), as a number (0 or 1
   * for the flags; the OS may report buffer sizes doubled, as Linux does).
   * @throws TypeError or RangeError for an unknown name; an OSError from the OS.
   */
  getsockopt(name: OptionName): number {
    const [level, opt] = optionLevel(name);
    return check(native.getsockopt(this._checkedHandle(), level, opt), 'getsockopt');
  }

  /**
   * Shuts down one or both directions (`shutdown` with SHUT_RD, SHUT_WR or
   * SHUT_RDWR): after 'write' the peer reads end of file.
   * @throws TypeError or RangeError for a bad `how`; an OSError from the OS.
   */
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

  /** `using sock = new Socket()`: close() at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<Socket fd=N family=F type=T>` (fd -1 once closed). */
  toString(): string {
    return `<Socket fd=${this._handle} family=${this.family} type=${this.type}>`;
  }
}
