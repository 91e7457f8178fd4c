// The socket options base_events.py sets that Socket.setsockopt does not
// name: SO_REUSEPORT (_set_reuseport) and IPV6_V6ONLY (create_server). The
// native layer exports no constants for them, so their numbers are here,
// per OS (Linux <asm-generic/socket.h> and <linux/in6.h>; Windows <ws2ipdef.h>).
import { native } from '@iocp/native';

import type { Socket } from '../socket';
import { check, systemError } from '../system-error';

const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = process.platform === 'win32' ? 27 : 26;
/** SO_REUSEPORT exists on Linux only among the OSes this package runs on. */
const SO_REUSEPORT = process.platform === 'linux' ? 15 : null;

// Port of base_events.py _set_reuseport (ValueError there; an Error naming
// the option here, since the argument is fine and the platform is not).
/** Sets SO_REUSEPORT, or throws an Error 'reusePort is not supported on this platform'. */
export function setReusePort(sock: Socket): void {
  if (SO_REUSEPORT === null) throw new Error(`reusePort is not supported on this platform (${process.platform})`);
  const r = native.setsockopt(sock._checkedHandle(), native.constants.SOL_SOCKET, SO_REUSEPORT, 1);
  if (typeof r === 'number' && r < 0) {
    // CPython's message for an OS that defines SO_REUSEPORT but refuses it.
    throw new Error('reusePort is not supported: the OS refused SO_REUSEPORT', {
      cause: systemError(r, 'setsockopt'),
    });
  }
}

/** IPV6_V6ONLY on an inet6 socket: it listens on IPv6 only (Linux's default is dual stack). */
export function setV6Only(sock: Socket): void {
  check(native.setsockopt(sock._checkedHandle(), IPPROTO_IPV6, IPV6_V6ONLY, 1), 'setsockopt');
}

/** Reads IPV6_V6ONLY (for tests). */
export function getV6Only(sock: Socket): number {
  return check(native.getsockopt(sock._checkedHandle(), IPPROTO_IPV6, IPV6_V6ONLY), 'getsockopt');
}
