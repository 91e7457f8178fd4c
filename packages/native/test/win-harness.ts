// Test harness for the Windows-only suites (win-*.test.ts): a Core on the
// iocp backend whose completions resolve promises, with a check that every
// operation completes exactly once, and a list of handles to close.
import { COMPLETION_WORDS, Core, native } from '@iocp/native';
import type { DecodedAddress, NativeCore } from '@iocp/native';

export const isWindows = process.platform === 'win32';
export const describeWindows = isWindows ? describe : describe.skip;

export interface Completion {
  result: number;
  aux: number;
  address: DecodedAddress | null;
}

// Negated Win32 and WinSock errors, as results carry them.
export const ERROR_OPERATION_ABORTED = -995;

export class Harness {
  readonly core: NativeCore;
  readonly sockets: number[] = [];
  readonly handles: number[] = [];
  // Completions seen per id; more than one is a failure.
  readonly seen = new Map<number, number>();
  readonly errors: string[] = [];
  private readonly waiters = new Map<number, (c: Completion) => void>();
  private drained: (() => void) | null = null;

  constructor() {
    this.core = new Core((count) => this.onBatch(count), 'iocp');
  }

  private onBatch(count: number): void {
    const words = this.core.completions;
    for (let i = 0; i < count; i++) {
      const id = words[i * COMPLETION_WORDS];
      const addrlen = words[i * COMPLETION_WORDS + 3];
      const completion: Completion = {
        result: words[i * COMPLETION_WORDS + 1],
        aux: words[i * COMPLETION_WORDS + 2],
        address:
          addrlen > 0
            ? native.decodeAddress(this.core.addresses, i * native.constants.ADDRESS_SIZE, addrlen)
            : null,
      };
      this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
      const waiter = this.waiters.get(id);
      if (waiter === undefined) {
        this.errors.push(`completion for ${id}, which nobody waits for`);
        continue;
      }
      this.waiters.delete(id);
      waiter(completion);
    }
    if (this.drained !== null && this.core.pending === 0) this.drained();
  }

  // Waits for the completion of the op whose submission returned id; an
  // immediate failure (id < 0) fails the test.
  done(id: number): Promise<Completion> {
    if (id < 0) throw new Error(`submission failed at once: ${id} (${native.errorName(id)})`);
    // Ids are reused once a slot's generations wrap around: count anew.
    this.seen.delete(id);
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  socket(family: number, type: number): number {
    const s = native.socket(family, type);
    if (s < 0) throw new Error(`socket: ${native.errorName(s)}`);
    this.sockets.push(s);
    return s;
  }

  // A socket made by the backend (accept) or elsewhere, closed at the end.
  adopt(s: number): number {
    this.sockets.push(s);
    return s;
  }

  associate(handle: number): void {
    expect(this.core.associate(handle)).toBe(0);
  }

  // A TCP listener on the loopback address; returns [socket, port].
  listener(family = native.constants.AF_INET): [number, number] {
    const s = this.socket(family, native.constants.SOCK_STREAM);
    const host = family === native.constants.AF_INET ? '127.0.0.1' : '::1';
    expect(native.bind(s, encode(family, host, 0))).toBe(0);
    expect(native.listen(s, 16)).toBe(0);
    this.associate(s);
    return [s, port(s)];
  }

  // A connected TCP pair (socketPair), both ends on this core's port.
  pair(): [number, number] {
    const pair = native.socketPair(native.constants.AF_INET, native.constants.SOCK_STREAM);
    if (typeof pair === 'number') throw new Error(`socketPair: ${native.errorName(pair)}`);
    for (const s of pair) {
      this.sockets.push(s);
      this.associate(s);
    }
    return pair;
  }

  // Closes the core (cancelling what is pending), waits until it released
  // the backend, then closes every handle; reports duplicate completions.
  async close(): Promise<void> {
    if (this.core.pending > 0) {
      // The cancelled operations still complete; the last batch releases
      // the backend.
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      expect(this.core.close()).toBe(false);
      await drained;
    } else {
      expect(this.core.close()).toBe(true);
    }
    for (const s of this.sockets.splice(0)) native.closeSocket(s);
    for (const h of this.handles.splice(0)) native.closeHandle(h);
    const duplicates = [...this.seen].filter(([, n]) => n > 1);
    expect(duplicates).toEqual([]);
    expect(this.errors).toEqual([]);
  }
}

export function encode(family: number, host: string, portNumber: number): Uint8Array {
  const addr = native.encodeAddress(family, host, portNumber);
  if (typeof addr === 'number') throw new Error(`encodeAddress: ${native.errorName(addr)}`);
  return addr;
}

export function name(s: number): DecodedAddress | null {
  const raw = native.getsockname(s);
  if (typeof raw === 'number') throw new Error(`getsockname: ${native.errorName(raw)}`);
  return native.decodeAddress(raw);
}

export function peer(s: number): DecodedAddress | null | number {
  const raw = native.getpeername(s);
  if (typeof raw === 'number') return raw;
  return native.decodeAddress(raw);
}

export function port(s: number): number {
  const addr = name(s);
  if (!Array.isArray(addr)) throw new Error('not an IP socket');
  return addr[1];
}
