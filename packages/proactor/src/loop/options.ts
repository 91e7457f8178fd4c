// Options of the connection and server helpers (base_events.py keyword
// arguments, camelCased). Time is in milliseconds, as everywhere here.
import type { SockAddr } from '../address';
import type { Socket } from '../socket';

/** The address family to resolve for ('unspec': both, in the resolver's order). */
export type FamilyOption = 'inet' | 'inet6' | 'unspec';

export interface CreateConnectionOptions {
  /** Wrap this connected stream socket instead of connecting (host/port must be absent). */
  sock?: Socket;
  /** Bind to this address before connecting (a host name is resolved too). */
  localAddr?: SockAddr;
  /** 'inet' | 'inet6' | 'unspec' (default) for the address lookup. */
  family?: FamilyOption;
  /**
   * Port of create_connection(interleave=N): reorder the resolved addresses
   * so the families alternate, N addresses of the first family first
   * (default 1 with happyEyeballsDelay, else 0: the resolver's order).
   */
  interleave?: number;
  /**
   * Port of happy_eyeballs_delay (RFC 8305, in ms; 250 is the RFC's
   * advice): the next address is tried after this long even if the one
   * before is still connecting; the first to connect wins.
   */
  happyEyeballsDelay?: number;
  /** Port of all_errors=True: reject with an AggregateError of every attempt's error. */
  allErrors?: boolean;
}

export interface CreateServerOptions {
  /** Serve on this bound stream socket instead (host/port must be absent). */
  sock?: Socket;
  family?: FamilyOption;
  /** listen() backlog (default 100, as CPython). */
  backlog?: number;
  /** SO_REUSEADDR (default true on Linux, false on Windows, as CPython's os.name == 'posix'). */
  reuseAddress?: boolean;
  /** SO_REUSEPORT (Linux only; elsewhere an Error naming the option). */
  reusePort?: boolean;
  /** SO_KEEPALIVE on the listening sockets (3.13 keep_alive). */
  keepAlive?: boolean;
  /** Start accepting at once (default true). */
  startServing?: boolean;
}

export interface CreateDatagramEndpointOptions {
  localAddr?: SockAddr | string;
  remoteAddr?: SockAddr | string;
  family?: 'inet' | 'inet6' | 'unix' | 'unspec';
  /**
   * Refused whenever it is true, as CPython 3.8+ does (bpo-37228: with
   * SO_REUSEADDR another process can take over the port of a UDP socket).
   */
  reuseAddress?: boolean;
  reusePort?: boolean;
  allowBroadcast?: boolean;
  sock?: Socket;
}

/** Options of sockSendfile (CPython's keyword-only fallback). */
export interface SockSendfileOptions {
  /** Read and send when the OS cannot sendfile (default true). */
  fallback?: boolean;
}
