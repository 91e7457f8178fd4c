// The synchronous primitives (src/common/os.h: src/linux/os.cc, src/win/):
// addresses, events, sockets and error names. Portable cases run everywhere;
// Linux-only ones check what only Linux has (errno values, fd flags, Unix
// socket paths).
import * as fs from 'node:fs';
import * as os from 'node:os';

import { native } from '@iocp/native';

import { C, codeOf, describeLinux, encode, expectArgError, isLinux, sockName } from './helpers';

describe('addresses', () => {
  it('round-trips IPv4', () => {
    expect(native.decodeAddress(encode(C.AF_INET, '127.0.0.1', 8080))).toEqual(['127.0.0.1', 8080]);
    expect(native.decodeAddress(encode(C.AF_INET, '0.0.0.0', 0))).toEqual(['0.0.0.0', 0]);
  });

  it('round-trips IPv6 with flowinfo and scope id', () => {
    expect(native.decodeAddress(encode(C.AF_INET6, '::1', 443))).toEqual(['::1', 443, 0, 0]);
    const addr = native.encodeAddress(C.AF_INET6, 'fe80::1', 5000, 7, 1);
    expect(native.decodeAddress(addr as Uint8Array)).toEqual(['fe80::1', 5000, 7, 1]);
  });

  it('decodes at an offset and length, and an empty address as null', () => {
    const a = encode(C.AF_INET, '10.1.2.3', 99);
    const bytes = new Uint8Array(200);
    bytes.set(a, 128);
    expect(native.decodeAddress(bytes, 128, a.length)).toEqual(['10.1.2.3', 99]);
    expect(native.decodeAddress(bytes, 0, 0)).toBeNull();
  });

  it('refuses a host that is not a numeric address with EINVAL', () => {
    const r = native.encodeAddress(C.AF_INET, 'localhost', 80);
    expect(typeof r).toBe('number');
    expect(codeOf(r as number)).toBe('EINVAL');
    expect(codeOf(native.encodeAddress(C.AF_INET6, '1.2.3.4.5', 80) as number)).toBe('EINVAL');
  });

  it('throws on bytes that are not a socket address, and on bad arguments', () => {
    expect(thrownName(() => native.decodeAddress(new Uint8Array([1])))).toBe('RangeError');
    expectArgError(() => native.decodeAddress('x' as unknown as Uint8Array), 'TypeError', 'bytes');
    expectArgError(
      () => native.encodeAddress(C.AF_INET, 5 as unknown as string, 0),
      'TypeError',
      'host',
    );
    expectArgError(() => native.encodeAddress(C.AF_INET, '1.2.3.4', 70000), 'RangeError', 'port');
    expectArgError(
      () => native.encodeAddress('inet' as unknown as number, '1.2.3.4', 1),
      'TypeError',
      'family',
    );
  });
});

function thrownName(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'nothing';
}

describe('events', () => {
  const handles: number[] = [];
  afterEach(() => {
    for (const h of handles.splice(0)) native.closeHandle(h);
  });
  function event(manualReset: boolean, initialState: boolean): number {
    const e = native.eventCreate(manualReset, initialState);
    expect(e).toBeGreaterThanOrEqual(0);
    handles.push(e);
    return e;
  }

  it('set, reset and isSet follow the event state', () => {
    const e = event(true, false);
    expect(native.eventIsSet(e)).toBe(0);
    expect(native.eventSet(e)).toBe(0);
    expect(native.eventIsSet(e)).toBe(1);
    // Setting a set event changes nothing: one reset clears it (on Linux it
    // says it took the signal: 1, then 0 when there was none).
    expect(native.eventSet(e)).toBe(0);
    expect(native.eventReset(e)).toBe(process.platform === 'win32' ? 0 : 1);
    expect(native.eventIsSet(e)).toBe(0);
    expect(native.eventReset(e)).toBe(0);
    expect(native.eventIsSet(e)).toBe(0);
  });

  it('starts set when asked to', () => {
    expect(native.eventIsSet(event(true, true))).toBe(1);
  });

  it('rejects bad arguments', () => {
    expectArgError(
      () => native.eventCreate('yes' as unknown as boolean, false),
      'TypeError',
      'manualReset',
    );
    expectArgError(() => native.eventSet(-1), 'RangeError', 'handle');
  });
});

describe('sockets', () => {
  const handles: number[] = [];
  afterEach(() => {
    for (const h of handles.splice(0)) native.closeSocket(h);
  });
  function socket(family: number = C.AF_INET, type: number = C.SOCK_STREAM): number {
    const s = native.socket(family, type);
    expect(s).toBeGreaterThanOrEqual(0);
    handles.push(s);
    return s;
  }

  it('bind, listen and getsockname report the bound address', () => {
    const s = socket();
    expect(native.bind(s, encode(C.AF_INET, '127.0.0.1', 0))).toBe(0);
    expect(native.listen(s, 16)).toBe(0);
    const name = sockName(s) as [string, number];
    expect(name[0]).toBe('127.0.0.1');
    expect(name[1]).toBeGreaterThan(0);
  });

  it('getpeername of an unconnected socket fails with ENOTCONN', () => {
    expect(codeOf(native.getpeername(socket()) as number)).toBe('ENOTCONN');
  });

  it('setsockopt and getsockopt agree', () => {
    const s = socket();
    expect(native.setsockopt(s, C.SOL_SOCKET, C.SO_REUSEADDR, 1)).toBe(0);
    expect(native.getsockopt(s, C.SOL_SOCKET, C.SO_REUSEADDR)).not.toBe(0);
    expect(native.setsockopt(s, C.IPPROTO_TCP, C.TCP_NODELAY, 1)).toBe(0);
    expect(native.getsockopt(s, C.IPPROTO_TCP, C.TCP_NODELAY)).not.toBe(0);
    expect(native.getsockopt(s, C.SOL_SOCKET, C.SO_ERROR)).toBe(0);
  });

  it('socketPair makes two connected sockets', () => {
    const pair = native.socketPair(isLinux ? C.AF_UNIX : C.AF_INET, C.SOCK_STREAM);
    expect(Array.isArray(pair)).toBe(true);
    handles.push(...(pair as number[]));
    expect(native.shutdown((pair as number[])[0], C.SHUT_WR)).toBe(0);
  });

  it('binding a port in use fails with EADDRINUSE', () => {
    const a = socket();
    expect(native.bind(a, encode(C.AF_INET, '127.0.0.1', 0))).toBe(0);
    expect(native.listen(a, 1)).toBe(0);
    const port = (sockName(a) as [string, number])[1];
    const b = socket();
    expect(codeOf(native.bind(b, encode(C.AF_INET, '127.0.0.1', port)))).toBe('EADDRINUSE');
  });
});

describeLinux('Linux primitives', () => {
  const fds: number[] = [];
  afterEach(() => {
    for (const fd of fds.splice(0)) native.closeHandle(fd);
  });

  function fdFlags(fd: number): number {
    const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    return parseInt(/^flags:\s+(\d+)/m.exec(info)![1], 8);
  }
  const O_NONBLOCK = 0o4000;
  const O_CLOEXEC = 0o2000000;

  it('names errno values as Node does', () => {
    const errno = os.constants.errno;
    for (const name of [
      'ECONNRESET',
      'ECONNREFUSED',
      'ECONNABORTED',
      'EPIPE',
      'ENOENT',
      'EACCES',
      'EPERM',
      'ECANCELED',
      'EAGAIN',
      'EBADF',
      'EINVAL',
      'ETIMEDOUT',
      'EADDRINUSE',
      'ENOTCONN',
    ] as const) {
      expect(native.errorName(errno[name])).toBe(name);
      expect(native.errorName(-errno[name])).toBe(name);
    }
    expect(native.errorName(errno.EOPNOTSUPP)).toBe('ENOTSUP');
    expect(native.errorName(123456)).toBe('UNKNOWN');
    expect(native.errorMessage(errno.ECONNRESET)).toMatch(/reset/i);
  });

  it('makes sockets and events non-blocking and close-on-exec', () => {
    const s = native.socket(C.AF_INET, C.SOCK_STREAM);
    const pair = native.socketPair(C.AF_UNIX, C.SOCK_DGRAM) as number[];
    const e = native.eventCreate(true, false);
    fds.push(s, ...pair, e);
    for (const fd of [s, ...pair, e]) {
      expect(fdFlags(fd) & (O_NONBLOCK | O_CLOEXEC)).toBe(O_NONBLOCK | O_CLOEXEC);
    }
  });

  it('an event is an eventfd whose counter stays 0 or 1', () => {
    const e = native.eventCreate(false, true);
    fds.push(e);
    native.eventSet(e);
    native.eventSet(e);
    expect(fs.readFileSync(`/proc/self/fdinfo/${e}`, 'utf8')).toMatch(/eventfd-count:\s+1\b/);
  });

  it('fdToHandle is the identity and isWine is false', () => {
    expect(native.fdToHandle(7)).toBe(7);
    expect(native.isWine()).toBe(false);
  });

  it('round-trips Unix socket paths, abstract names included', () => {
    expect(native.decodeAddress(encode(C.AF_UNIX, '/tmp/x.sock', 0))).toBe('/tmp/x.sock');
    expect(native.decodeAddress(encode(C.AF_UNIX, '\0abstract-name', 0))).toBe('\0abstract-name');
    expect(codeOf(native.encodeAddress(C.AF_UNIX, `/tmp/${'x'.repeat(200)}`, 0) as number)).toBe(
      'ENAMETOOLONG',
    );
  });

  it('takes an IPv6 zone as a numeric suffix', () => {
    expect(native.decodeAddress(encode(C.AF_INET6, 'fe80::1%1', 80))).toEqual([
      'fe80::1',
      80,
      0,
      1,
    ]);
  });

  it('reports the errors of closed descriptors', () => {
    expect(codeOf(native.eventIsSet(1_000_000))).toBe('EBADF');
    expect(codeOf(native.bind(1_000_000, encode(C.AF_INET, '127.0.0.1', 0)))).toBe('EBADF');
    expect(codeOf(native.closeSocket(1_000_000))).toBe('EBADF');
  });
});
