// Backend selection and the batched completion path, on every backend this
// process can start (io_uring and epoll on Linux, iocp under Windows/Wine).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { Core, availableBackends, backend, native, version, COMPLETION_WORDS } from '@iocp/native';
import type { BackendName, NativeCore } from '@iocp/native';

import { thrown } from './helpers';

const expectedDefault = process.env.IOCP_BACKEND || (process.platform === 'win32' ? 'iocp' : 'io_uring');

describe('@iocp/native', () => {
  it('reports the backend chosen for this process', () => {
    expect(backend).toBe(expectedDefault);
    expect(availableBackends()).toContain(backend);
  });

  it('reports its version', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exposes socket constants with this OS values', () => {
    expect(native.constants.AF_INET).toBe(2);
    expect(native.constants.AF_INET6).toBe(process.platform === 'win32' ? 23 : 10);
    expect(native.constants.ADDRESS_SIZE).toBe(128);
  });
});

// Loads the addon in a child process with IOCP_BACKEND set, and returns what
// it printed or the first line of the error it threw.
function loadWith(env: Record<string, string>): string {
  const addonPath = process.env.IOCP_NATIVE_PATH ?? path.join(__dirname, '..', 'build', 'Release', 'iocp.node');
  const script = `try { console.log(require(${JSON.stringify(addonPath)}).backend) } catch (e) { console.log('error: ' + e.message) }`;
  return execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

const describeLinux = process.platform === 'linux' ? describe : describe.skip;

describeLinux('backend selection on Linux', () => {
  it('IOCP_BACKEND=epoll selects epoll', () => {
    expect(loadWith({ IOCP_BACKEND: 'epoll' })).toBe('epoll');
  });

  it('IOCP_BACKEND=io_uring selects io_uring where the kernel allows it', () => {
    expect(loadWith({ IOCP_BACKEND: 'io_uring' })).toBe('io_uring');
  });

  it('a backend this OS lacks is a clear error at load that names it', () => {
    expect(loadWith({ IOCP_BACKEND: 'iocp' })).toBe('error: IOCP_BACKEND=iocp: the iocp backend exists only on Windows');
  });

  it('an unknown backend name is an error at load, never a silent switch', () => {
    expect(loadWith({ IOCP_BACKEND: 'kqueue' })).toMatch(/^error: IOCP_BACKEND=kqueue: unknown backend/);
  });
});

describe.each(availableBackends())('Core on %s', (name: BackendName) => {
  let core: NativeCore | undefined;

  afterEach(() => {
    core?.close();
    core = undefined;
  });

  function collect(onBatch?: (ids: number[]) => void): { ids: number[]; batches: number[] } {
    const seen = { ids: [] as number[], batches: [] as number[] };
    core = new Core((count) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        ids.push(core!.completions[i * COMPLETION_WORDS]);
        expect(core!.completions[i * COMPLETION_WORDS + 1]).toBe(0);
      }
      seen.ids.push(...ids);
      seen.batches.push(count);
      onBatch?.(ids);
    }, name);
    return seen;
  }

  it('runs on the backend it was asked for', () => {
    collect();
    expect(core!.backend).toBe(name);
  });

  it('delivers a posted no-op back to JavaScript', async () => {
    const done = new Promise<number[]>((resolve) => {
      const seen = collect(() => resolve(seen.ids));
    });
    const id = core!.nop();
    expect(id).toBeGreaterThanOrEqual(0);
    expect(core!.pending).toBe(1);
    expect(await done).toEqual([id]);
    expect(core!.pending).toBe(0);
  });

  it('delivers 5,000 no-ops exactly once each, in batches', async () => {
    const n = 5000;
    let seen: { ids: number[]; batches: number[] } = { ids: [], batches: [] };
    const done = new Promise<void>((resolve) => {
      seen = collect(() => {
        if (seen.ids.length >= n) resolve();
      });
    });
    const ids = new Set<number>();
    for (let i = 0; i < n; i++) ids.add(core!.nop());
    expect(ids.size).toBe(n);
    await done;
    expect(new Set(seen.ids)).toEqual(ids);
    expect(seen.ids.length).toBe(n);
    // Far fewer calls into JavaScript than completions.
    expect(seen.batches.length).toBeLessThanOrEqual(Math.ceil(n / 100));
  });

  it('close() with nothing pending releases the backend at once', () => {
    collect();
    expect(core!.close()).toBe(true);
    expect(core!.closed).toBe(true);
    expect(core!.close()).toBe(true);
  });

  it('refuses operations after close', () => {
    collect();
    core!.close();
    expect(() => core!.nop()).toThrow('Core is closed');
  });

  it('cancel() of an unknown id returns false', () => {
    collect();
    expect(core!.cancel(12345)).toBe(false);
  });

  it('rejects a callback that is not a function', () => {
    // Compared by name: the addon's errors come from Node's realm, not jest's.
    expect(thrown(() => new Core(42 as unknown as () => void, name)).name).toBe('TypeError');
  });

  it('rejects an unknown backend name', () => {
    expect(thrown(() => new Core(() => undefined, 'kqueue' as BackendName)).name).toBe('RangeError');
  });
});
