// iocp/selector: the SelectorEventLoop alone, for processes that must not
// (or cannot) load the native addon. Nothing imported from here loads
// @iocp/native (test/selector-no-addon.test.ts checks it).
export { SelectorEventLoop, SelectorPipeServer } from './selector/selector-event-loop';
export type { SelectorPipeOptions, SelectorSubprocessOptions } from './selector/selector-event-loop';
export { ListeningSocket, SelectorServer } from './selector/server';
export { SelectorStreamTransport } from './selector/stream-transport';
export { SelectorDatagramTransport } from './selector/datagram-transport';
export { SelectorSubprocessTransport } from './selector/subprocess-transport';
export { KeyboardInterrupt } from './keyboard-interrupt';
export type { SelectorLoopCore } from './selector/loop-core';
