// Bad input, tried at random (fast-check): every public entry point of the
// proactor layer refuses a wrong type with TypeError and an out-of-range
// value with RangeError, synchronously, naming the argument (API.md,
// "Errors"), and leaves everything else working: a control echo on a live
// connection runs between the tries and must stay byte-exact, and no
// operation is left pending.
import fc from 'fast-check';

import { Event, IocpProactor, Socket } from '@iocp/proactor';

const RUNS = 150;

/** Values of any type but number (undefined left out: it means "the default" for optional arguments). */
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(Symbol('s')),
);

/** Numbers that are not a valid count: negative, fractional, NaN, infinite, beyond any allocation. */
const badCount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.constantFrom(NaN, Infinity, -Infinity, -0.5, 2 ** 60, 1e300),
);

/** Values that are not a Uint8Array (other views included). */
const notBytes = fc.oneof(
  fc.string(),
  fc.nat(),
  fc.constant(null),
  // A non-empty array (an empty list is a valid gathered send of nothing).
  fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 4 }),
  fc.object({ maxDepth: 1 }),
  fc.constantFrom(
    new Int16Array(4),
    new Float64Array(1),
    new DataView(new ArrayBuffer(4)),
    new ArrayBuffer(4),
  ),
);

/** Malformed inet addresses and the error class each must get. */
const badInetAddress: fc.Arbitrary<[unknown, 'TypeError' | 'RangeError']> = fc.oneof(
  fc
    .tuple(
      fc.string().filter((h) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(h)),
      fc.integer({ min: 0, max: 65535 }),
    )
    .map((a): [unknown, 'TypeError'] => [a, 'TypeError']),
  fc
    .integer({ min: 0, max: 255 })
    .map((n): [unknown, 'TypeError'] => [[`127.0.0.${n}\0`, 80], 'TypeError']),
  fc
    .oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }))
    .map((p): [unknown, 'RangeError'] => [['127.0.0.1', p], 'RangeError']),
  fc
    .oneof(notANumber, fc.constant(undefined))
    .map((p): [unknown, 'TypeError'] => [['127.0.0.1', p], 'TypeError']),
  fc
    .oneof(fc.string(), fc.nat(), fc.constant(null), fc.constant(['127.0.0.1']))
    .map((a): [unknown, 'TypeError'] => [a, 'TypeError']),
);

function detachedView(): Uint8Array {
  const view = new Uint8Array(8);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

function expectRefused(fn: () => unknown, kind: 'TypeError' | 'RangeError', arg?: string): void {
  let error: unknown = null;
  try {
    const result = fn();
    // A call that was not refused must not leave an operation behind.
    (result as { cancel?: () => void } | undefined)?.cancel?.();
  } catch (err) {
    error = err;
  }
  // By name: errors thrown by the addon come from Node's main realm, not jest's.
  expect((error as Error | null)?.name).toBe(kind);
  if (arg !== undefined) expect((error as Error).message).toContain(arg);
}

describe('bad input to the proactor layer (property-based)', () => {
  let proactor: IocpProactor;
  let a: Socket;
  let b: Socket;
  let closed: Socket;
  let event: Event;
  let rounds = 0;

  /** One round trip on the control connection, checked byte for byte. */
  async function controlEcho(): Promise<void> {
    const msg = Buffer.from(`control round ${rounds++}`);
    expect(await proactor.send(a, msg)).toBe(msg.length);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < msg.length) {
      const chunk = await proactor.recv(b, msg.length - got);
      expect(chunk.length).toBeGreaterThan(0);
      parts.push(chunk);
      got += chunk.length;
    }
    expect(Buffer.concat(parts).equals(msg)).toBe(true);
  }

  beforeAll(() => {
    proactor = new IocpProactor();
    [a, b] = Socket.pair();
    closed = new Socket();
    closed.close();
    event = new Event();
  });

  afterAll(async () => {
    // Nothing was left pending by any refused call.
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
    a.close();
    b.close();
    event.close();
    await proactor.close();
    expect(rounds).toBeGreaterThan(RUNS);
  });

  it('sizes and flags: TypeError for a non-number, RangeError for a bad number', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notANumber.map((v) => [v, 'TypeError'] as const),
          badCount.map((v) => [v, 'RangeError'] as const),
        ),
        async ([v, kind]) => {
          expectRefused(() => proactor.recv(a, v as number), kind, 'nbytes');
          expectRefused(() => proactor.recv(a, 1, v as number), kind, 'flags');
          expectRefused(() => proactor.recvInto(a, Buffer.alloc(1), v as number), kind, 'flags');
          expectRefused(() => proactor.send(a, Buffer.alloc(1), v as number), kind, 'flags');
          expectRefused(() => proactor.recvfrom(a, v as number), kind, 'nbytes');
          expectRefused(() => proactor.sendfile(a, 0, v as number, 0), kind, 'offset');
          expectRefused(() => proactor.sendfile(a, 0, 0, v as number), kind, 'count');
          expectRefused(() => proactor.sendfile(a, v as number, 0, 0), kind, 'fd');
          await controlEcho();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('buffers: TypeError for anything but a Uint8Array, and for a detached one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(notBytes, fc.constant(null).map(detachedView)), async (buf) => {
        expectRefused(() => proactor.recvInto(a, buf as Uint8Array), 'TypeError', 'buf');
        expectRefused(() => proactor.send(a, buf as Uint8Array), 'TypeError', 'buf');
        expectRefused(
          () => proactor.send(a, [Buffer.from('ok'), buf as Uint8Array]),
          'TypeError',
          'buf[1]',
        );
        expectRefused(() => proactor.recvfromInto(a, buf as Uint8Array), 'TypeError', 'buf');
        await controlEcho();
      }),
      { numRuns: RUNS },
    );
  });

  it('shared and empty buffers are accepted: a send from a SharedArrayBuffer view is delivered', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(5));
    shared.set(Buffer.from('share'));
    expect(await proactor.send(a, shared)).toBe(5);
    expect(await proactor.send(a, new Uint8Array(0))).toBe(0);
    expect((await proactor.recv(b, 5)).toString()).toBe('share');
    await controlEcho();
  });

  it('addresses: malformed ones are refused before anything is submitted', async () => {
    await fc.assert(
      fc.asyncProperty(badInetAddress, async ([addr, kind]) => {
        const sock = new Socket('inet');
        try {
          expectRefused(() => proactor.connect(sock, addr as [string, number]), kind, 'addr');
          expectRefused(() => sock.bind(addr as [string, number]), kind);
        } finally {
          sock.close();
        }
        await controlEcho();
      }),
      { numRuns: RUNS },
    );
  });

  it('timeouts: waitForHandle refuses NaN and negative values (RangeError) and non-numbers (TypeError)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(NaN, -Infinity).map((v) => [v, 'RangeError'] as const),
          fc.double({ max: -0.001, noNaN: true }).map((v) => [v, 'RangeError'] as const),
          fc
            .oneof(fc.string(), fc.boolean(), fc.object({ maxDepth: 0 }))
            .map((v) => [v, 'TypeError'] as const),
        ),
        async ([ms, kind]) => {
          expectRefused(() => proactor.waitForHandle(event, ms as number), kind, 'timeoutMs');
          await controlEcho();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('handles and connections: wrong types are TypeErrors; a closed socket is an OSError, synchronously', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(notANumber, fc.nat()), async (conn) => {
        expectRefused(() => proactor.recv(conn as unknown as Socket, 1), 'TypeError', 'conn');
        expectRefused(() => proactor.accept(conn as unknown as Socket), 'TypeError', 'listener');
        await controlEcho();
      }),
      { numRuns: RUNS },
    );
    // As CPython: EBADF on Linux, WSAENOTSOCK (10038) on Windows.
    const code = process.platform === 'win32' ? 'ENOTSOCK' : 'EBADF';
    expect(() => proactor.recv(closed, 1)).toThrow(
      expect.objectContaining({ name: 'OSError', code }),
    );
  });

  it('socket options and enums: TypeError for a non-string, RangeError for an unknown name or a bad value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string()
          .filter(
            (s) =>
              !['inet', 'inet6', 'unix', 'stream', 'dgram', 'read', 'write', 'both'].includes(s),
          ),
        fc.oneof(fc.nat(), fc.boolean(), fc.constant(null)),
        async (name, other) => {
          expectRefused(() => new Socket(name as 'inet'), 'RangeError', 'family');
          expectRefused(() => new Socket(other as unknown as 'inet'), 'TypeError', 'family');
          expectRefused(() => new Socket('inet', name as 'stream'), 'RangeError', 'type');
          expectRefused(() => a.shutdown(name as 'read'), 'RangeError', 'how');
          expectRefused(() => a.setsockopt(name as 'SO_RCVBUF', 1), 'RangeError', 'name');
          expectRefused(
            () => a.setsockopt('SO_RCVBUF', -1 - (typeof other === 'number' ? other : 0)),
            'RangeError',
            'value',
          );
          await controlEcho();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('event options: TypeError for non-booleans', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.nat(), fc.constant(null)), async (v) => {
        expectRefused(() => new Event({ manualReset: v as boolean }), 'TypeError', 'manualReset');
        expectRefused(() => new Event({ initialState: v as boolean }), 'TypeError', 'initialState');
        await controlEcho();
      }),
      { numRuns: RUNS },
    );
  });
});
