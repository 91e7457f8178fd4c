// Helpers for the native suite that runs on every backend: a Core whose
// operations return promises (a Map from op id to resolver, filled from the
// batched completions), and the handles a test opened, closed afterwards.
import * as fs from 'node:fs';

import { COMPLETION_WORDS, Core, native } from '@iocp/native';
import type { BackendName, DecodedAddress, NativeCore } from '@iocp/native';

export const C = native.constants;
export const isLinux = process.platform === 'linux';
export const isWindows = process.platform === 'win32';
export const describeLinux = isLinux ? describe : describe.skip;
export const itLinux = isLinux ? it : it.skip;

/** The outcome of one operation. */
export interface Completion {
  /** The op's id; for an op the OS refused at once, its (negative) error. */
  id: number;
  /** >= 0: bytes, a handle, 1/0 for waits; < 0: a negated system error. */
  result: number;
  aux: number;
  /** The peer of recvFrom/accept, decoded. */
  address: DecodedAddress | null;
  /** True when the OS refused the op at submission (no completion came). */
  immediate: boolean;
  /** The Buffer a receive with handOutAt was handed out as (see Core.received). */
  received?: Buffer;
}

/** The Node-style code of a result ('ECANCELED'), or 'OK' for success. */
export function codeOf(result: number): string {
  return result < 0 ? native.errorName(-result) : 'OK';
}

/**
 * Runs fn and returns what it threw. The addon's errors come from Node's
 * main realm, not jest's, so tests compare `name`, never `instanceof`.
 */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

/** Asserts that fn throws a TypeError/RangeError whose message names `arg`. */
export function expectArgError(
  fn: () => unknown,
  kind: 'TypeError' | 'RangeError',
  arg: string,
): void {
  const err = thrown(fn);
  expect(err.name).toBe(kind);
  expect(err.message).toMatch(new RegExp(`\\b${arg}\\b`));
}

export function encode(family: number, host: string, port: number): Uint8Array {
  const addr = native.encodeAddress(family, host, port);
  if (typeof addr === 'number') throw new Error(`encodeAddress(${host}): ${codeOf(addr)}`);
  return addr;
}

export function sockName(handle: number): DecodedAddress | null {
  const raw = native.getsockname(handle);
  if (typeof raw === 'number') throw new Error(`getsockname: ${codeOf(raw)}`);
  return native.decodeAddress(raw);
}

export function portOf(handle: number): number {
  const addr = sockName(handle);
  if (!Array.isArray(addr)) throw new Error('not an IP socket');
  return addr[1];
}

/** Open fds of this process (Linux only; -1 elsewhere). */
export function openFds(): number {
  return isLinux ? fs.readdirSync('/proc/self/fd').length : -1;
}

/** A Core on one backend, with promise-returning ops and owned handles. */
export class Harness {
  readonly core: NativeCore;
  /** Records per batch, in order. */
  readonly batches: number[] = [];
  /** Completions seen per id (each must be 1). */
  readonly seen = new Map<number, number>();
  /** Completions for ids nobody waited for (must stay empty). */
  readonly strays: number[] = [];
  private readonly waiters = new Map<number, (c: Completion) => void>();
  private readonly cleanups: (() => void)[] = [];
  private readonly owned = new Set<number>();

  constructor(readonly backend: BackendName) {
    this.core = new Core((count) => this.onBatch(count), backend);
  }

  private onBatch(count: number): void {
    const words = this.core.completions;
    this.batches.push(count);
    for (let i = 0; i < count; i++) {
      const base = i * COMPLETION_WORDS;
      const id = words[base];
      const addrlen = words[base + 3];
      this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
      const resolve = this.waiters.get(id);
      if (resolve === undefined) {
        this.strays.push(id);
        continue;
      }
      this.waiters.delete(id);
      resolve({
        id,
        result: words[base + 1],
        aux: words[base + 2],
        address:
          addrlen > 0
            ? native.decodeAddress(this.core.addresses, i * C.ADDRESS_SIZE, addrlen)
            : null,
        immediate: false,
        received: this.core.received[i],
      });
    }
  }

  /** Submits an op; `done` settles with its completion (or its immediate error). */
  start(submit: (core: NativeCore) => number): { id: number; done: Promise<Completion> } {
    const id = submit(this.core);
    if (id < 0) {
      return {
        id,
        done: Promise.resolve({ id, result: id, aux: 0, address: null, immediate: true }),
      };
    }
    // Finished during the call (allowImmediate(true)): no record follows.
    if (this.core.immediate[0] === id) {
      const result = this.core.immediate[1];
      const received = this.core.received[this.core.received.length - 1];
      return {
        id,
        done: Promise.resolve({ id, result, aux: 0, address: null, immediate: true, received }),
      };
    }
    if (this.waiters.has(id)) throw new Error(`id ${id} handed out twice`);
    return { id, done: new Promise<Completion>((resolve) => this.waiters.set(id, resolve)) };
  }

  run(submit: (core: NativeCore) => number): Promise<Completion> {
    return this.start(submit).done;
  }

  /** Runs fn when the test ends (after the core is closed), last first. */
  defer(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** A socket of this test, associated with the core. */
  socket(family: number = C.AF_INET, type: number = C.SOCK_STREAM): number {
    const s = native.socket(family, type);
    if (s < 0) throw new Error(`socket: ${codeOf(s)}`);
    return this.adopt(s);
  }

  /** Takes ownership of a socket (an accepted one) and associates it. */
  adopt(s: number): number {
    this.owned.add(s);
    this.defer(() => {
      if (this.owned.has(s)) this.closeSocket(s);
    });
    const r = this.core.closed ? 0 : this.core.associate(s);
    if (r < 0) throw new Error(`associate: ${codeOf(r)}`);
    return s;
  }

  /** Detaches and closes a socket now; the end of the test skips it. */
  closeSocket(s: number): void {
    if (!this.owned.delete(s)) throw new Error(`socket ${s} is not open in this test`);
    this.core.detach(s);
    native.closeSocket(s);
  }

  /**
   * A connected stream pair: socketpair(AF_UNIX) on Linux, a loopback TCP
   * pair on Windows (as CPython's socketpair).
   */
  pair(): [number, number] {
    const pair = native.socketPair(isWindows ? C.AF_INET : C.AF_UNIX, C.SOCK_STREAM);
    if (typeof pair === 'number') throw new Error(`socketPair: ${codeOf(pair)}`);
    return [this.adopt(pair[0]), this.adopt(pair[1])];
  }

  /** A TCP listener on 127.0.0.1 with its encoded address. */
  listener(backlog = 511): { handle: number; address: Uint8Array; port: number } {
    const handle = this.socket(C.AF_INET, C.SOCK_STREAM);
    expect(native.bind(handle, encode(C.AF_INET, '127.0.0.1', 0))).toBe(0);
    expect(native.listen(handle, backlog)).toBe(0);
    const port = portOf(handle);
    return { handle, address: encode(C.AF_INET, '127.0.0.1', port), port };
  }

  /** A UDP socket bound to 127.0.0.1 with its encoded address. */
  udp(): { handle: number; address: Uint8Array; port: number } {
    const handle = this.socket(C.AF_INET, C.SOCK_DGRAM);
    expect(native.bind(handle, encode(C.AF_INET, '127.0.0.1', 0))).toBe(0);
    const port = portOf(handle);
    return { handle, address: encode(C.AF_INET, '127.0.0.1', port), port };
  }

  /** An event of this test. */
  event(manualReset = true, initialState = false): number {
    const e = native.eventCreate(manualReset, initialState);
    if (e < 0) throw new Error(`eventCreate: ${codeOf(e)}`);
    this.defer(() => native.closeHandle(e));
    return e;
  }

  /** Receives once into a fresh buffer of `size` bytes. */
  async recv(handle: number, size: number, flags = 0): Promise<{ result: number; data: Buffer }> {
    const buf = Buffer.alloc(size);
    const { result } = await this.run((c) => c.recv(handle, buf, flags));
    return { result, data: buf.subarray(0, Math.max(result, 0)) };
  }

  /** Sends all of data, one send after another. */
  async sendAll(handle: number, data: Uint8Array): Promise<void> {
    for (let off = 0; off < data.length;) {
      const { result } = await this.run((c) => c.send(handle, data.subarray(off)));
      if (result <= 0) throw new Error(`send: ${codeOf(result)}`);
      off += result;
    }
  }

  /** Receives exactly n bytes (or fewer if the peer closes). */
  async recvExactly(handle: number, n: number, chunk = 1 << 20): Promise<Buffer> {
    const out = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const view = out.subarray(got, Math.min(n, got + chunk));
      const { result } = await this.run((c) => c.recv(handle, view));
      if (result < 0) throw new Error(`recv: ${codeOf(result)}`);
      if (result === 0) break;
      got += result;
    }
    return out.subarray(0, got);
  }

  /**
   * Closes the core (cancelling what is pending), waits for every pending
   * completion, then closes the test's handles. Fails on a completion that
   * came twice or for an unknown id, and checks the backend was released.
   */
  async dispose(): Promise<void> {
    const pending = [...this.waiters.keys()].map(
      (id) =>
        new Promise<void>((resolve) => {
          const resolveOp = this.waiters.get(id)!;
          this.waiters.set(id, (c) => {
            resolveOp(c);
            resolve();
          });
        }),
    );
    this.core.close();
    await Promise.all(pending);
    expect(this.core.pending).toBe(0);
    // The batch that delivered the last completion released the backend.
    expect(this.core.close()).toBe(true);
    for (const fn of this.cleanups.splice(0).reverse()) fn();
    expect([...this.seen].filter(([, n]) => n !== 1)).toEqual([]);
    expect(this.strays).toEqual([]);
  }
}
