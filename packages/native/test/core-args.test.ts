// Argument checks of the Core's operations, and a closed Core, on every
// backend: wrong types throw TypeError and out-of-range values RangeError,
// each naming the argument; operations after close() throw.
import { availableBackends } from '@iocp/native';
import type { BackendName, NativeCore } from '@iocp/native';

import { C, Harness, encode, expectArgError, thrown } from './helpers';

describe.each(availableBackends())('Core arguments on %s', (backend: BackendName) => {
  let t: Harness;
  let core: NativeCore;
  const buf = Buffer.alloc(8);
  const addr = encode(C.AF_INET, '127.0.0.1', 9);

  beforeEach(() => {
    t = new Harness(backend);
    core = t.core;
  });

  afterEach(async () => {
    await t.dispose();
  });

  // Calls a method with arguments TypeScript would refuse.
  function call(method: keyof NativeCore, ...args: unknown[]): () => unknown {
    return () => (core[method] as (...a: unknown[]) => unknown)(...args);
  }

  it.each([
    ['recv', ['1', buf], 'TypeError', 'handle'],
    ['recv', [-1, buf], 'RangeError', 'handle'],
    ['recv', [1.5, buf], 'RangeError', 'handle'],
    ['recv', [3, 'text'], 'TypeError', 'buffer'],
    ['recv', [3, new Uint16Array(4)], 'TypeError', 'buffer'],
    ['send', [3, buf, 'x'], 'TypeError', 'flags'],
    ['send', [3, buf, -1], 'RangeError', 'flags'],
    ['recvFrom', [3, buf, 0.5], 'RangeError', 'flags'],
    ['sendTo', [3, buf, 0, 'addr'], 'TypeError', 'address'],
    ['sendTo', [3, buf, 0, new Uint8Array(0)], 'RangeError', 'address'],
    ['sendTo', [3, buf, 0, new Uint8Array(200)], 'RangeError', 'address'],
    ['accept', [null, C.AF_INET], 'TypeError', 'listener'],
    ['accept', [3, 'inet'], 'TypeError', 'family'],
    ['accept', [3, 70000], 'RangeError', 'family'],
    ['connect', [3, addr], 'TypeError', 'family'],
    ['connect', [3, 'addr', C.AF_INET], 'TypeError', 'address'],
    ['sendFile', [3, -1, 0, 0], 'RangeError', 'file'],
    ['sendFile', ['3', 4, 0, 0], 'TypeError', 'socket'],
    ['sendFile', [3, 4, -1, 0], 'RangeError', 'offset'],
    ['sendFile', [3, 4, 0, 1.5], 'RangeError', 'count'],
    ['read', [3, buf, -2], 'RangeError', 'offset'],
    ['write', [3, buf, 'end'], 'TypeError', 'offset'],
    ['waitHandle', [3, -2], 'RangeError', 'timeoutMs'],
    ['waitHandle', [3, 'soon'], 'TypeError', 'timeoutMs'],
    ['waitHandle', [3, Infinity], 'RangeError', 'timeoutMs'],
    ['acceptPipe', [undefined], 'TypeError', 'pipe'],
    ['cancel', ['1'], 'TypeError', 'id'],
    ['associate', [{}], 'TypeError', 'handle'],
    ['detach', [-5], 'RangeError', 'handle'],
  ] as [keyof NativeCore, unknown[], 'TypeError' | 'RangeError', string][])(
    '%s(%j) throws %s naming %s',
    (method, args, kind, arg) => {
      expectArgError(call(method, ...args), kind, arg);
      expect(core.pending).toBe(0);
    },
  );

  it('refuses every operation after close()', () => {
    expect(core.close()).toBe(true);
    const ops: [keyof NativeCore, unknown[]][] = [
      ['nop', []],
      ['recv', [3, buf]],
      ['send', [3, buf]],
      ['recvFrom', [3, buf]],
      ['sendTo', [3, buf, 0, addr]],
      ['accept', [3, C.AF_INET]],
      ['connect', [3, addr, C.AF_INET]],
      ['sendFile', [3, 4, 0, 0]],
      ['read', [3, buf]],
      ['write', [3, buf]],
      ['acceptPipe', [3]],
      ['waitHandle', [3, 10]],
      ['associate', [3]],
    ];
    for (const [method, args] of ops) {
      const err = thrown(call(method, ...args));
      expect(err.message).toBe('Core is closed');
    }
    // Cancel and detach of a closed core are harmless.
    expect(core.cancel(1)).toBe(false);
    expect(() => core.detach(3)).not.toThrow();
  });
});
