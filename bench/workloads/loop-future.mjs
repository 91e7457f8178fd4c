// Future round trips per second: create, resolve and await an @iocp Future
// (inside a Task, and outside any) beside a plain Promise and CPython's
// Future (asyncio, uvloop).
// Target: a Future costs at most 2x a Promise.
import { nodeMicro, pyMicro, runMicro } from '../lib/loop-micro.mjs';

export const name = 'loop-future';
export const order = 31;
export const description =
  'Create + resolve + await, one sequential chain: @iocp loop.createFuture() vs new Promise vs asyncio Future';
export const unit = 'futures/s';
export const peers = [
  nodeMicro('iocp-future', '@iocp Future in a Task', 'iocp-future', 'iocp'),
  nodeMicro('iocp-future-bare', '@iocp Future, no Task', 'iocp-future-bare', 'iocp'),
  nodeMicro('promise', 'Node Promise', 'promise', 'node'),
  pyMicro('asyncio-future', 'asyncio Future', 'future', false),
  pyMicro('uvloop-future', 'uvloop Future', 'future', true),
];
export const baseline = 'promise';
export const ceiling = [];
export const run = (ctx) => runMicro(ctx, peers);

/** The target: a Future costs at most twice a Promise (rate >= half), in a Task and outside one. */
export function targets(summary) {
  const get = (id) => summary.peers.find((p) => p.id === id);
  const promise = get('promise');
  return ['iocp-future', 'iocp-future-bare'].map((id) => {
    const iocp = get(id);
    const text = `${iocp?.label ?? id} cost <= 2x Promise`;
    if (iocp?.status !== 'ok' || promise?.status !== 'ok') return { text, met: null };
    const cost = promise.median / iocp.median;
    return { text: `${text} (measured ${cost.toFixed(2)}x)`, met: cost <= 2 };
  });
}
