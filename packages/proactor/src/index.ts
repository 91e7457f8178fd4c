// @iocp/proactor: sockets, events and IocpProactor on the @iocp completion core.
export { IocpProactor } from './iocp-proactor';
export type { Connection } from './iocp-proactor';
export { OverlappedFuture } from './overlapped-future';
export { Socket } from './socket';
export type { SocketOwner } from './socket';
export { Event } from './event';
export type { EventOptions } from './event';
export { decodeAddress, encodeAddress } from './address';
export type { SockAddr, SocketFamily, SocketType } from './address';
