// IocpProactor(concurrency) (issue #9 section 7). Port of
// windows_events.py IocpProactor.__init__, which hands concurrency (a
// DWORD, INFINITE by default) to CreateIoCompletionPort as
// NumberOfConcurrentThreads: here it goes to the native Core, which gives it
// to the port on Windows; io_uring and epoll have no such setting. What the
// port does with it cannot be observed from outside (one poller thread
// drains it), so these tests check the value's range and that it reaches
// the native Core, on every backend.
import * as nativeModule from '@iocp/native';
import type { BackendName } from '@iocp/native';
import { IocpProactor, Socket } from '@iocp/proactor';

const { Core } = nativeModule;

describe('IocpProactor(concurrency)', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('takes a DWORD: TypeError for a non-number, RangeError outside [0, 0xffffffff]', () => {
    expect(() => new IocpProactor('2' as unknown as number)).toThrow(TypeError);
    expect(() => new IocpProactor(-1)).toThrow(RangeError);
    expect(() => new IocpProactor(1.5)).toThrow(RangeError);
    expect(() => new IocpProactor(2 ** 32)).toThrow(RangeError);
    expect(() => new IocpProactor(2 ** 32)).toThrow(/concurrency/);
  });

  it('hands the value (default INFINITE) to the native Core, and works with it', async () => {
    const seen: unknown[] = [];
    // Called with `new`: the object it returns is the constructed Core.
    const spy = jest.spyOn(nativeModule, 'Core') as unknown as jest.Mock;
    spy.mockImplementation((onCompletions: (count: number) => void, backend?: BackendName, concurrency?: number) => {
      seen.push(concurrency);
      return new Core(onCompletions, backend, concurrency);
    });
    for (const concurrency of [undefined, 0, 1, 0xffffffff]) {
      const proactor = new IocpProactor(concurrency);
      try {
        expect(proactor.concurrency).toBe(concurrency ?? 0xffffffff);
        const [a, b] = Socket.pair();
        try {
          const got = proactor.recv(b, 10);
          await proactor.send(a, Buffer.from('hi'));
          expect((await got).toString()).toBe('hi');
        } finally {
          a.close();
          b.close();
        }
      } finally {
        await proactor.close();
      }
    }
    expect(seen).toEqual([0xffffffff, 0, 1, 0xffffffff]);
  });

  it('the native Core checks concurrency before it starts a backend', () => {
    const noop = (): void => undefined;
    // The addon's errors come from Node's own realm, not jest's: compare names.
    const thrown = (fn: () => unknown): Error => {
      try {
        fn();
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    };
    const bad: Array<[unknown, string]> = [['x', 'TypeError'], [-1, 'RangeError'], [2 ** 32, 'RangeError'], [0.5, 'RangeError']];
    for (const [concurrency, name] of bad) {
      const err = thrown(() => new Core(noop, undefined, concurrency as number));
      expect([err.name, err.message]).toEqual([name, expect.stringContaining('concurrency')]);
    }
    for (const concurrency of [0, 1, 0xffffffff]) {
      const core = new Core(noop, undefined, concurrency);
      expect(core.close()).toBe(true);
    }
  });
});
