// The stream layer (port of asyncio/streams.py).
export { DEFAULT_LIMIT, StreamReader } from './stream-reader';
export type { Separator, StreamReaderOptions } from './stream-reader';
export { FlowControlMixin, StreamReaderProtocol } from './stream-reader-protocol';
export type { ClientConnectedCallback } from './stream-reader-protocol';
export { StreamWriter } from './stream-writer';
export { openConnection, startServer } from './open-connection';
export type { OpenConnectionOptions, StartServerOptions, StreamOptions, StreamsLoop } from './open-connection';
