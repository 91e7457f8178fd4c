// The echo workloads' shared runner: start every available echo server
// (pinned to the server CPU), drive each with the C load generator in
// interleaved rounds, stop them all.
import {
  DUPLEX_PEERS,
  ECHO_BUFFERED_PEERS,
  ECHO_PEERS,
  PIPE_BUFFERED_PEERS,
  PIPE_PEERS,
  STREAMS_PEERS,
} from './echo-peers.mjs';

export { DUPLEX_PEERS, ECHO_BUFFERED_PEERS, ECHO_PEERS, PIPE_BUFFERED_PEERS, PIPE_PEERS, STREAMS_PEERS };

/**
 * Runs one echo workload. `mode` is 'echo' (round trips of `size` bytes over
 * `conns` connections) or 'connect' (connect+close cycles, `conns` in
 * flight); `transport` is 'tcp' or 'unix'. Returns per-peer results.
 */
export async function runEcho(
  ctx,
  { conns, size = 64, mode = 'echo', transport = 'tcp', peers = ECHO_PEERS, newline = false },
) {
  const results = {};
  const started = [];
  try {
    await Promise.all(
      peers.map(async (peer, order) => {
        const missing = await ctx.check(peer);
        if (missing) {
          results[peer.id] = { status: 'missing', reason: missing };
          return;
        }
        const unixPath = transport === 'unix' ? ctx.tmpPath(`${peer.id}.sock`) : null;
        const [cmd, args, env] = peer.command(ctx);
        const addr = unixPath ? ['--unix', unixPath] : ['--port', '0'];
        try {
          const server = await ctx.start(cmd, [...args, ...addr], { env });
          const target = unixPath ? ['--unix', unixPath] : ['--tcp', `127.0.0.1:${server.ready}`];
          started.push({ peer, server, target, order, pids: [server.child.pid] });
        } catch (err) {
          results[peer.id] = { status: 'failed', reason: `server did not start: ${err.message}` };
        }
      }),
    );
    started.sort((a, b) => a.order - b.order);
    const args = ['--mode', mode, '--conns', String(conns), '--size', String(size)];
    if (newline) args.push('--newline');
    await ctx.interleave(started, results, async (e, seconds) => {
      const out = await ctx.loadgen([...e.target, ...args], seconds);
      return roundTripSample(out);
    });
  } finally {
    await Promise.all(started.map((s) => s.server.stop()));
  }
  return results;
}

/**
 * The completion core's target for an echo workload (issue "The completion
 * core"): @iocp on io_uring at least `factor` times Node `net`, by the
 * median of the per-round ratios. Also says where the C ceiling stands, as
 * a target above the ceiling cannot be met by any server on the machine.
 */
/** One sample of a round-trip workload from a C program's JSON (loadgen, eventfd-pingpong). */
export function roundTripSample(out) {
  return {
    value: out.rate,
    cpu: out.cpu_s,
    extra: {
      p50_us: out.p50_us,
      p99_us: out.p99_us,
      errors: out.errors,
      error: out.error || undefined,
    },
  };
}

export function echoTarget(factor, what) {
  return (summary) => {
    const iocp = summary.peers.find((p) => p.id === 'iocp-uring');
    const ceilings = summary.peers.filter(
      (p) => summary.ceiling.includes(p.id) && p.status === 'ok',
    );
    const text = `@iocp (io_uring) ${what} >= ${factor}x Node net`;
    if (iocp?.status !== 'ok' || iocp.vsNode == null) return [{ text, met: null }];
    const best = Math.max(...ceilings.map((c) => c.vsNode ?? 0));
    const ceilingNote = ceilings.length ? `; the C ceiling: ${best.toFixed(2)}x` : '';
    return [
      {
        text: `${text} (measured ${iocp.vsNode.toFixed(2)}x${ceilingNote})`,
        met: iocp.vsNode >= factor,
      },
    ];
  };
}

/**
 * Targets of named peers against Node (`vs: 'node'`) or the best C ceiling
 * (`vs: 'ceiling'`), by the median of the per-round ratios: one line each,
 * e.g. { peer: 'iocp-protocol-uring', vs: 'node', factor: 1.3, what: 'on 100 connections' }.
 */
export function peerTargets(specs) {
  return (summary) =>
    specs.map(({ peer, vs, factor, what, node = 'Node net' }) => {
      const p = summary.peers.find((x) => x.id === peer);
      const against = vs === 'node' ? node : 'the best C ceiling';
      const text = `${p?.label ?? peer} ${what} >= ${factor}x ${against}`;
      const ratio = vs === 'node' ? p?.vsNode : p?.vsCeiling;
      if (p?.status !== 'ok' || ratio == null) return { text, met: null };
      const extra = vs === 'ceiling' && p.vsNode != null ? `; ${p.vsNode.toFixed(2)}x Node` : '';
      return { text: `${text} (measured ${ratio.toFixed(2)}x${extra})`, met: ratio >= factor };
    });
}

/** The targets of several target functions, in order. */
export const allTargets =
  (...fns) =>
  (summary) =>
    fns.flatMap((fn) => fn(summary));

/** The Protocol-on-BaseProactorEventLoop peers' targets against `vs`, on both Linux backends. */
export const protocolTargets = (vs, factor, what) =>
  peerTargets(
    ['iocp-protocol-uring', 'iocp-protocol-epoll'].map((peer) => ({ peer, vs, factor, what })),
  );

/** The @iocp/pipes peers' targets against `vs`, on both Linux backends. */
export const pipeTargets = (vs, factor, what) =>
  peerTargets(['iocp-pipe-uring', 'iocp-pipe-epoll'].map((peer) => ({ peer, vs, factor, what })));

/** Targets of a list of peers (ECHO_BUFFERED_PEERS, PIPE_BUFFERED_PEERS) against `vs`. */
export const listTargets = (peers, vs, factor, what) =>
  peerTargets(peers.map(({ id }) => ({ peer: id, vs, factor, what })));
