// The synchronous Windows primitives (src/win/os*.cc, error_names.cc):
// error names, addresses, events, socket pairs and options.
import { native } from '@iocp/native';

import { describeWindows, name, peer } from './win-harness';

const c = native.constants;

describeWindows('Windows sync primitives', () => {
  it('names Windows and WinSock errors as libuv does', () => {
    const expected: Array<[number, string]> = [
      [2, 'ENOENT'],
      [3, 'ENOENT'],
      [5, 'EACCES'],
      [6, 'EBADF'],
      [64, 'ECONNRESET'],
      [109, 'EPIPE'],
      [121, 'ETIMEDOUT'],
      [232, 'EPIPE'],
      [231, 'EBUSY'],
      [995, 'ECANCELED'],
      [1225, 'ECONNREFUSED'],
      [1236, 'ECONNABORTED'],
      [10013, 'EACCES'],
      [10038, 'ENOTSOCK'],
      [10048, 'EADDRINUSE'],
      [10049, 'EADDRNOTAVAIL'],
      [10054, 'ECONNRESET'],
      [10057, 'ENOTCONN'],
      [10060, 'ETIMEDOUT'],
      [10061, 'ECONNREFUSED'],
      [123456, 'UNKNOWN'],
    ];
    for (const [code, errName] of expected) {
      expect([code, native.errorName(code)]).toEqual([code, errName]);
      expect(native.errorName(-code)).toBe(errName);
    }
  });

  it('has the Windows values of the socket constants', () => {
    expect(c.AF_INET6).toBe(23);
    expect(c.AF_UNIX).toBe(1);
    expect(c.SOL_SOCKET).toBe(0xffff);
    expect(c.SO_REUSEADDR).toBe(4);
    expect(c.SHUT_RDWR).toBe(2);
  });

  it('isWine tells Wine from Windows', () => {
    // Wine passes the Unix environment through; Windows has no WINEPREFIX.
    expect(native.isWine()).toBe(process.env.WINEPREFIX !== undefined);
  });

  it('encodes and decodes IPv4, IPv6 (flow info and scope id) and AF_UNIX addresses', () => {
    const v4 = native.encodeAddress(c.AF_INET, '192.0.2.7', 8080) as Uint8Array;
    expect(v4.length).toBe(16);
    expect(native.decodeAddress(v4)).toEqual(['192.0.2.7', 8080]);
    const v6 = native.encodeAddress(c.AF_INET6, 'fe80::1:2', 443, 0x12345, 7) as Uint8Array;
    expect(v6.length).toBe(28);
    expect(native.decodeAddress(v6)).toEqual(['fe80::1:2', 443, 0x12345, 7]);
    // A numeric zone suffix is the scope id when none is given.
    expect(
      native.decodeAddress(native.encodeAddress(c.AF_INET6, 'fe80::1%12', 80) as Uint8Array),
    ).toEqual(['fe80::1', 80, 0, 12]);
    expect(native.errorName(native.encodeAddress(c.AF_INET6, 'fe80::1%eth0', 80) as number)).toBe(
      'EINVAL',
    );
    const unix = native.encodeAddress(c.AF_UNIX, 'C:\\tmp\\iocp.sock', 0) as Uint8Array;
    expect(native.decodeAddress(unix)).toBe('C:\\tmp\\iocp.sock');
  });

  it('refuses hosts that are not numeric addresses, and paths that are too long', () => {
    expect(native.errorName(native.encodeAddress(c.AF_INET, 'localhost', 1) as number)).toBe(
      'EINVAL',
    );
    expect(native.errorName(native.encodeAddress(c.AF_INET6, '1.2.3.4', 1) as number)).toBe(
      'EINVAL',
    );
    expect(native.errorName(native.encodeAddress(c.AF_UNIX, 'x'.repeat(200), 0) as number)).toBe(
      'ENAMETOOLONG',
    );
    // (The addon's RangeError belongs to the main realm, not jest's sandbox,
    // so the message is matched rather than the class.)
    expect(() => native.decodeAddress(Buffer.from([0xfe, 0x7f, 0, 0]))).toThrow(
      'bytes is not a socket address',
    );
  });

  it('socketPair makes a connected loopback TCP pair, as CPython does on Windows', () => {
    for (const family of [c.AF_INET, c.AF_INET6, c.AF_UNIX]) {
      const pair = native.socketPair(family, c.SOCK_STREAM);
      if (typeof pair === 'number') throw new Error(native.errorName(pair));
      const [a, b] = pair;
      try {
        expect(peer(a)).toEqual(name(b));
        expect(peer(b)).toEqual(name(a));
        const host = (name(a) as [string, number])[0];
        expect(host).toBe(family === c.AF_INET6 ? '::1' : '127.0.0.1');
      } finally {
        native.closeSocket(a);
        native.closeSocket(b);
      }
    }
    expect(native.errorName(native.socketPair(c.AF_INET, c.SOCK_DGRAM) as number)).toBe(
      'ESOCKTNOSUPPORT',
    );
  });

  it('sets and reads socket options', () => {
    const s = native.socket(c.AF_INET, c.SOCK_STREAM);
    try {
      expect(native.setsockopt(s, c.IPPROTO_TCP, c.TCP_NODELAY, 1)).toBe(0);
      expect(native.getsockopt(s, c.IPPROTO_TCP, c.TCP_NODELAY)).toBe(1);
      expect(native.setsockopt(s, c.SOL_SOCKET, c.SO_RCVBUF, 65536)).toBe(0);
      expect(native.getsockopt(s, c.SOL_SOCKET, c.SO_RCVBUF)).toBe(65536);
      expect(native.getsockopt(s, c.SOL_SOCKET, c.SO_ERROR)).toBe(0);
    } finally {
      expect(native.closeSocket(s)).toBe(0);
    }
    expect(native.errorName(native.closeSocket(s))).toBe('ENOTSOCK');
  });

  it('events: set, reset and isSet, which consumes only an auto-reset event', () => {
    const manual = native.eventCreate(true, false);
    const auto = native.eventCreate(false, true);
    try {
      expect(native.eventIsSet(manual)).toBe(0);
      expect(native.eventSet(manual)).toBe(0);
      expect(native.eventIsSet(manual)).toBe(1);
      expect(native.eventIsSet(manual)).toBe(1);
      expect(native.eventReset(manual)).toBe(0);
      expect(native.eventIsSet(manual)).toBe(0);
      expect(native.eventIsSet(auto)).toBe(1);
      expect(native.eventIsSet(auto)).toBe(0);
    } finally {
      expect(native.closeHandle(manual)).toBe(0);
      expect(native.closeHandle(auto)).toBe(0);
    }
    expect(native.errorName(native.eventSet(manual))).toBe('EBADF');
  });
});
