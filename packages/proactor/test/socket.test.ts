// Socket: the synchronous half (bind, listen, names, options, close).
import { OSError } from '@iocp/futures';
import { Socket } from '@iocp/proactor';

describe('Socket', () => {
  it('binds, listens and reports its name', () => {
    const s = new Socket('inet');
    try {
      s.bind(['127.0.0.1', 0]);
      s.listen();
      const [host, port] = s.getsockname() as [string, number];
      expect(host).toBe('127.0.0.1');
      expect(port).toBeGreaterThan(0);
    } finally {
      s.close();
    }
  });

  it('binds IPv6 with flowinfo and scope id in its name', () => {
    const s = new Socket('inet6');
    try {
      s.bind(['::1', 0]);
      const name = s.getsockname();
      expect(name).toEqual(['::1', expect.any(Number), 0, 0]);
    } finally {
      s.close();
    }
  });

  it('fileno() is -1 and closed is true once closed; close is idempotent', () => {
    const s = new Socket();
    expect(s.fileno()).toBeGreaterThanOrEqual(0);
    expect(s.closed).toBe(false);
    s.close();
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(s.closed).toBe(true);
    expect(() => s.listen()).toThrow(OSError);
  });

  it('pair() gives two connected stream sockets', () => {
    const [a, b] = Socket.pair();
    expect(a.type).toBe('stream');
    a.close();
    b.close();
  });

  it('sets and reads back the options of API.md', () => {
    const s = new Socket();
    try {
      s.setsockopt('SO_REUSEADDR', true);
      expect(s.getsockopt('SO_REUSEADDR')).not.toBe(0);
      s.setsockopt('TCP_NODELAY', 1);
      expect(s.getsockopt('TCP_NODELAY')).not.toBe(0);
      s.setsockopt('SO_KEEPALIVE', true);
      s.setsockopt('SO_RCVBUF', 65536);
      s.setsockopt('SO_SNDBUF', 65536);
      expect(s.getsockopt('SO_SNDBUF')).toBeGreaterThanOrEqual(65536);
    } finally {
      s.close();
    }
  });

  it('rejects bad arguments with TypeError and RangeError', () => {
    const s = new Socket();
    try {
      expect(() => new Socket('ipx' as 'inet')).toThrow(RangeError);
      expect(() => new Socket('inet', 'raw' as 'stream')).toThrow(RangeError);
      expect(() => s.bind('127.0.0.1')).toThrow(TypeError);
      expect(() => s.bind(['127.0.0.1', 70000])).toThrow(RangeError);
      expect(() => s.bind(['localhost', 0])).toThrow(TypeError);
      expect(() => s.setsockopt('SO_LINGER' as 'SO_REUSEADDR', 1)).toThrow(RangeError);
      expect(() => s.shutdown('sideways' as 'read')).toThrow(RangeError);
      expect(() => s.listen(-1)).toThrow(RangeError);
    } finally {
      s.close();
    }
  });

  it('a bind to an address in use raises an OSError with code EADDRINUSE', () => {
    const a = new Socket();
    const b = new Socket();
    try {
      a.bind(['127.0.0.1', 0]);
      a.listen();
      let err: unknown;
      try {
        b.bind(a.getsockname());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OSError);
      expect((err as OSError).code).toBe('EADDRINUSE');
    } finally {
      a.close();
      b.close();
    }
  });
});
