// Zero-delay callbacks per second: @iocp loop.callSoon beside setImmediate
// and CPython's call_soon (asyncio, uvloop). Target: >= 1,000,000/s.
import { nodeMicro, pyMicro, runMicro } from '../lib/loop-micro.mjs';

export const name = 'loop-callsoon';
export const order = 30;
export const description =
  'Zero-delay callbacks per second, 1000 self-rescheduling callbacks in flight: @iocp BaseEventLoop.callSoon vs setImmediate vs call_soon';
export const unit = 'callbacks/s';
export const peers = [
  nodeMicro('iocp-callsoon', '@iocp callSoon', 'iocp-callsoon', 'iocp'),
  nodeMicro('setimmediate', 'Node setImmediate', 'setimmediate', 'node'),
  {
    ...pyMicro('asyncio-callsoon', 'asyncio call_soon', 'callsoon', false),
    // About 0.11x setImmediate on a quiet machine: CPython interprets every
    // callback, so a noisy round can put it below the far-off line.
    farOffExpected:
      'CPython interprets every callback (about 0.11x setImmediate on a quiet machine)',
  },
  pyMicro('uvloop-callsoon', 'uvloop call_soon', 'callsoon', true),
];
export const baseline = 'setimmediate';
export const ceiling = [];
export const run = (ctx) => runMicro(ctx, peers);

/** The target: at least 1,000,000 callSoon callbacks per second. */
export function targets(summary) {
  const iocp = summary.peers.find((p) => p.id === 'iocp-callsoon');
  if (iocp?.status !== 'ok') return [{ text: 'callSoon >= 1,000,000/s', met: null }];
  return [
    {
      text: `callSoon >= 1,000,000/s (measured ${Math.round(iocp.median).toLocaleString('en-US')}/s)`,
      met: iocp.median >= 1e6,
    },
  ];
}
