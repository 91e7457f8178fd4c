"""Subprocess micro-benchmarks in CPython asyncio, as a worker.

Cases (the same patterns as spawn-bench.mjs):
  spawn-seq  /bin/true started with asyncio.create_subprocess_exec and
             awaited, one at a time
  spawn-8    the same with 8 in flight
  pipe       bytes/s read from a child's stdout (`cat /dev/zero`)

Usage: python3 spawn-bench.py --case spawn-seq|spawn-8|pipe
Prints "READY <case>", then answers each stdin line "run SECONDS" with
{"count": N, "seconds": S, "rate": R}.
"""
import argparse
import asyncio
import json
import sys
import time


async def spawn_round(in_flight, seconds):
    now = time.perf_counter
    t0 = now()
    end = t0 + seconds
    state = {'count': 0, 't_end': t0}

    async def lane():
        while now() < end:
            p = await asyncio.create_subprocess_exec(
                '/bin/true', stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            await p.wait()
            state['count'] += 1
            state['t_end'] = now()

    await asyncio.gather(*(lane() for _ in range(in_flight)))
    return state['count'], state['t_end'] - t0


async def pipe_round(seconds):
    now = time.perf_counter
    p = await asyncio.create_subprocess_exec(
        'cat', '/dev/zero', stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE)
    t0 = now()
    total = 0
    while now() - t0 < seconds:
        total += len(await p.stdout.read(1 << 20))
    elapsed = now() - t0
    p.kill()
    p._transport.get_pipe_transport(1).close()
    await p.wait()
    return total, elapsed


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--case', choices=['spawn-seq', 'spawn-8', 'pipe'], required=True)
    args = p.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    print(f'READY {args.case}', flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != 'run':
            continue
        seconds = float(parts[1])
        if args.case == 'pipe':
            count, elapsed = loop.run_until_complete(pipe_round(seconds))
        else:
            n = 8 if args.case == 'spawn-8' else 1
            count, elapsed = loop.run_until_complete(spawn_round(n, seconds))
        print(json.dumps({'count': count, 'seconds': elapsed, 'rate': count / elapsed}), flush=True)
    loop.close()


if __name__ == '__main__':
    main()
