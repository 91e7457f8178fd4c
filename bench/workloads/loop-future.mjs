// Future round trips per second: create, resolve and await an @iocp Future
// (inside a Task, and outside any) beside a plain Promise and CPython's
// Future (asyncio, uvloop). Two more Node peers make the baselines fair:
// a Promise awaited inside a Task (Node's promise hooks, which
// AsyncLocalStorage turns on, slow every promise there) and the minimal
// thenable (`await` of anything but a native promise costs V8 one more job:
// the floor for every PromiseLike class, Future included).
// Target: a Future costs at most 2x a Promise awaited in the same setting.
import { nodeMicro, pyMicro, runMicro } from '../lib/loop-micro.mjs';

export const name = 'loop-future';
export const order = 31;
export const description =
  'Create + resolve + await, one sequential chain: @iocp loop.createFuture() vs new Promise (in a Task and not) vs a minimal thenable vs asyncio Future';
export const unit = 'futures/s';
export const peers = [
  nodeMicro('iocp-future', '@iocp Future in a Task', 'iocp-future', 'iocp'),
  nodeMicro('iocp-future-bare', '@iocp Future, no Task', 'iocp-future-bare', 'iocp'),
  nodeMicro('promise', 'Node Promise', 'promise', 'node'),
  // Needs @iocp/futures for the Task (so it is checked like an iocp peer), but it is a Node baseline.
  { ...nodeMicro('promise-task', 'Node Promise in a Task', 'promise-task', 'iocp'), kind: 'node' },
  nodeMicro('thenable', 'minimal thenable', 'thenable', 'node'),
  pyMicro('asyncio-future', 'asyncio Future', 'future', false),
  pyMicro('uvloop-future', 'uvloop Future', 'future', true),
];
export const baseline = 'promise';
export const ceiling = [];
export const run = (ctx) => runMicro(ctx, peers);

/**
 * The target: a Future costs at most twice a Promise awaited in the
 * same setting (the Future in a Task against a Promise in a Task, the bare
 * Future against a bare Promise). What the minimal thenable costs against a
 * Promise is added to the bare line as information (the report has no
 * other place for it: a line with `met: null` would read "not measured").
 */
export function targets(summary) {
  const get = (id) => summary.peers.find((p) => p.id === id);
  const ok = (...peers) => peers.every((p) => p?.status === 'ok');
  const cost = (slow, fast) => fast.median / slow.median;
  const thenable = get('thenable');
  const promise = get('promise');
  const floor = ok(thenable, promise)
    ? `; the minimal thenable, the floor for any PromiseLike: ${cost(thenable, promise).toFixed(2)}x`
    : '';
  return [
    ['iocp-future', 'promise-task', ''],
    ['iocp-future-bare', 'promise', floor],
  ].map(([id, baseId, info]) => {
    const iocp = get(id);
    const base = get(baseId);
    const text = `${iocp?.label ?? id} cost <= 2x ${base?.label ?? baseId}`;
    if (!ok(iocp, base)) return { text, met: null };
    const x = cost(iocp, base);
    return { text: `${text} (measured ${x.toFixed(2)}x${info})`, met: x <= 2 };
  });
}
