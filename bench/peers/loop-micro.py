"""Event-loop micro-benchmarks in CPython asyncio (or uvloop), as a worker.

Cases (the same patterns as loop-micro.mjs):
  callsoon  zero-delay loop.call_soon callbacks/s, 1000 self-rescheduling
            callbacks in flight
  future    create, set_result and await a loop.create_future(), per second

Usage: python3 loop-micro.py --case callsoon|future [--uvloop]
Prints "READY <case>", then answers each stdin line "run SECONDS" with
{"count": N, "seconds": S, "rate": R}.
"""
import argparse
import asyncio
import json
import sys
import time

CHAINS = 1000


def callsoon_round(loop, seconds):
    done = loop.create_future()
    now = time.perf_counter
    t0 = now()
    end = t0 + seconds
    state = {'count': 0, 'live': CHAINS, 'stopped': False, 't_end': 0.0}
    call_soon = loop.call_soon

    def cb():
        if not state['stopped']:
            state['count'] += 1
            if state['count'] & 1023 == 0 and now() >= end:
                state['stopped'] = True
                state['t_end'] = now()
        if not state['stopped']:
            call_soon(cb)
        else:
            state['live'] -= 1
            if state['live'] == 0:
                done.set_result((state['count'], state['t_end'] - t0))

    for _ in range(CHAINS):
        call_soon(cb)
    return done


async def future_round(loop, seconds):
    now = time.perf_counter
    t0 = now()
    end = t0 + seconds
    t = t0
    count = 0
    create = loop.create_future
    while t < end:
        for i in range(1000):
            f = create()
            f.set_result(i)
            await f
        count += 1000
        t = now()
    return count, t - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--case', choices=['callsoon', 'future'], required=True)
    p.add_argument('--uvloop', action='store_true')
    args = p.parse_args()
    if args.uvloop:
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    print(f'READY {args.case}', flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != 'run':
            continue
        seconds = float(parts[1])
        if args.case == 'callsoon':
            count, elapsed = loop.run_until_complete(callsoon_round(loop, seconds))
        else:
            count, elapsed = loop.run_until_complete(future_round(loop, seconds))
        print(json.dumps({'count': count, 'seconds': elapsed, 'rate': count / elapsed}), flush=True)
    loop.close()


if __name__ == '__main__':
    main()
