// @iocp/native: the completion core. See README.md for the interface.
import { debuglog } from 'node:util';

import { loadAddon } from './binding';
import type {
  BackendName,
  DecodedAddress,
  NativeAddon,
  NativeConstants,
  NativeCore,
  NativeCoreConstructor,
} from './types';

export type {
  BackendName,
  DecodedAddress,
  NativeAddon,
  NativeConstants,
  NativeCore,
  NativeCoreConstructor,
};
export { candidatePaths } from './binding';

const addon: NativeAddon = loadAddon();

// A default backend that is a fallback (io_uring refused: seccomp,
// kernel.io_uring_disabled, an old kernel) is not an error, as in libuv, but
// it says so, once per load, on NODE_DEBUG=iocp.
if (addon.fallbackReason !== null) {
  debuglog('iocp')(`backend ${addon.backend}: io_uring is not available (${addon.fallbackReason})`);
}

/** The whole addon: sockets, events, errors and the Core class. */
export const native: NativeAddon = addon;

/** The backend this process uses by default ('iocp', 'io_uring' or 'epoll'). */
export const backend: BackendName = addon.backend;
/** The addon's version (the package version it was built from). */
export const version: string = addon.version;
/** The native Core class (one completion backend instance). */
export const Core: NativeCoreConstructor = addon.Core;
/** Words per completion record in `Core.completions`. */
export const COMPLETION_WORDS = 4;
/** spawnProcess's stdio value: the child gets the parent's own fd 0/1/2. */
export const STDIO_INHERIT = -1;
/** spawnProcess's stdio value: the child gets the null device. */
export const STDIO_NULL = -2;

/**
 * A Buffer of `size` bytes (not zeroed, as Buffer.allocUnsafe) that the OS
 * receives into directly: a read into it (recvInto, a BufferedProtocol's
 * getBuffer) makes no copy. Any other Buffer works too, through a copy from
 * the operation's own memory at completion. See NativeAddon.allocReceiveBuffer.
 */
export function allocReceiveBuffer(size: number): Buffer {
  return addon.allocReceiveBuffer(size);
}

/** The backends that can start in this process, default first on Linux. */
export function availableBackends(): BackendName[] {
  return addon.availableBackends();
}
