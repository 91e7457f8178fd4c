// Address resolution and error combining of the connection helpers. Ported
// from CPython's test_base_events.py (test_ipaddr_info*,
// test_interleave_addrinfos*, BaseEventLoopWithSelectorTests
// test_create_connection_multiple_errors*).
import { ConnectionRefusedError, OSError, TimeoutError } from '@iocp/futures';
import { BaseProactorEventLoop } from '@iocp/proactor';

import { combineConnectErrors } from '../src/loop/connect-errors';
import { getaddrinfo, interleaveAddrinfos, ipAddrInfo } from '../src/loop/resolve-address';
import { inet, inet6 } from './loop-helpers';

describe('address resolution', () => {
  it('a numeric IPv4 or IPv6 host needs no lookup (_ipaddr_info)', () => {
    expect(ipAddrInfo('1.2.3.4', 80, 'unspec')).toEqual(inet('1.2.3.4', 80));
    expect(ipAddrInfo('::3', 80, 'unspec')).toEqual(inet6('::3', 80));
    expect(ipAddrInfo('::3', 80, 'unspec', 7, 9)).toEqual({ family: 'inet6', address: ['::3', 80, 7, 9] });
  });

  it('a numeric host of another family than asked, a name or a zone index is looked up', () => {
    expect(ipAddrInfo('1.2.3.4', 80, 'inet6')).toBeNull();
    expect(ipAddrInfo('::3', 80, 'inet')).toBeNull();
    expect(ipAddrInfo('localhost', 80, 'unspec')).toBeNull();
    expect(ipAddrInfo('fe80::1%lo', 80, 'unspec')).toBeNull();
  });

  it('getaddrinfo resolves a name through dns.lookup with the port on every address', async () => {
    const infos = await getaddrinfo('localhost', 1234, { family: 'inet' });
    expect(infos.length).toBeGreaterThan(0);
    for (const i of infos) {
      expect(i.family).toBe('inet');
      expect(i.address[1]).toBe(1234);
    }
    expect(infos.map((i) => i.address[0])).toContain('127.0.0.1');
  });

  it('getaddrinfo of a null host is the wildcard addresses when passive, loopback otherwise', async () => {
    expect(await getaddrinfo(null, 5, { passive: true })).toEqual([inet('0.0.0.0', 5), inet6('::', 5)]);
    expect(await getaddrinfo(null, 5, { passive: true, family: 'inet6' })).toEqual([inet6('::', 5)]);
    expect(await getaddrinfo(null, 5)).toEqual([inet('127.0.0.1', 5), inet6('::1', 5)]);
  });

  it('a name that does not resolve rejects with an OSError carrying the resolver code', async () => {
    const err = await getaddrinfo('nonexistent.invalid', 80).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OSError);
    expect((err as OSError).syscall).toBe('getaddrinfo');
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']).toContain((err as OSError).code);
  });

  it('the loop resolves through its getaddrinfo method (a subclass may replace it)', async () => {
    const loop = new BaseProactorEventLoop();
    try {
      expect(await loop.getaddrinfo('127.0.0.1', 9)).toEqual([inet('127.0.0.1', 9)]);
    } finally {
      await loop.close();
    }
  });

  it('interleaves addresses by family (_interleave_addrinfos)', () => {
    const v6a = inet6('::1'), v6b = inet6('::2'), v6c = inet6('::3');
    const v4a = inet('1.1.1.1'), v4b = inet('2.2.2.2');
    const infos = [v6a, v6b, v6c, v4a, v4b];
    expect(interleaveAddrinfos(infos)).toEqual([v6a, v4a, v6b, v4b, v6c]);
    expect(interleaveAddrinfos(infos, 2)).toEqual([v6a, v6b, v4a, v6c, v4b]);
    expect(interleaveAddrinfos(infos, 3)).toEqual([v6a, v6b, v6c, v4a, v4b]);
    expect(interleaveAddrinfos([])).toEqual([]);
  });
});

describe('combining connect errors', () => {
  it('one error is thrown as it is', () => {
    const e = new ConnectionRefusedError();
    expect(combineConnectErrors([e])).toBe(e);
  });

  it('errors that all have the same message: the first is thrown', () => {
    const a = new OSError('err');
    const b = new OSError('err');
    expect(combineConnectErrors([a, b])).toBe(a);
  });

  it('different messages: one OSError lists them all (Multiple exceptions)', () => {
    const e = combineConnectErrors([new OSError('err1'), new OSError('err2')]);
    expect(e).toBeInstanceOf(OSError);
    expect(e.message).toBe('Multiple exceptions: err1, err2');
  });

  it('with allErrors an AggregateError holds every error', () => {
    const a = new OSError('err1');
    const e = combineConnectErrors([a], true);
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.message).toBe('create_connection failed');
    expect((e as AggregateError).errors).toEqual([a]);
  });

  it('no error at all is a TimeoutError', () => {
    const e = combineConnectErrors([]);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toBe('create_connection failed');
  });
});
