// node:stream Duplex views of transports and stream pairs.
export { asDuplex } from './as-duplex';
export { TransportDuplex } from './transport-duplex';
export type { AsDuplexOptions, TakeOverState } from './transport-duplex';
export { StreamPairDuplex } from './stream-pair-duplex';
