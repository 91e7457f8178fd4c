// Options of the connection and server helpers (base_events.py keyword
// arguments, camelCased). TODO(loop): the loop helper owns this file.
import type { SockAddr } from '../address';
import type { Socket } from '../socket';

export interface CreateConnectionOptions {
  /** Wrap this connected stream socket instead of connecting (host/port must be absent). */
  sock?: Socket;
  /** Bind to this address before connecting. */
  localAddr?: SockAddr;
  /** 'inet' | 'inet6' | 'unspec' (default) for the address lookup. */
  family?: 'inet' | 'inet6' | 'unspec';
}

export interface CreateServerOptions {
  sock?: Socket;
  family?: 'inet' | 'inet6' | 'unspec';
  backlog?: number;
  reuseAddress?: boolean;
  reusePort?: boolean;
  /** Start accepting at once (default true). */
  startServing?: boolean;
}

export interface CreateDatagramEndpointOptions {
  localAddr?: SockAddr | string;
  remoteAddr?: SockAddr | string;
  family?: 'inet' | 'inet6' | 'unix' | 'unspec';
  reuseAddress?: boolean;
  reusePort?: boolean;
  allowBroadcast?: boolean;
  sock?: Socket;
}
