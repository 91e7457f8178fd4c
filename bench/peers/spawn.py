"""The CPython asyncio peer of the spawn-* and subprocess-pipe workloads
(see spawn.mjs for the cases): asyncio.create_subprocess_exec.

Usage: python3 spawn.py --case seq|par8|pipe
Prints "READY asyncio", then answers each stdin line "run SECONDS" with
{"count", "seconds", "rate"}.
"""
import argparse
import asyncio
import json
import sys
import time

TRUE = '/bin/true'
DD = ['/bin/dd', 'if=/dev/zero', 'bs=65536', 'count=1024']
PIPE_BYTES = 65536 * 1024
DEVNULL = asyncio.subprocess.DEVNULL
PIPE = asyncio.subprocess.PIPE


async def run_true():
    p = await asyncio.create_subprocess_exec(TRUE, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL)
    if await p.wait() != 0:
        raise RuntimeError('exit status')


async def run_dd():
    p = await asyncio.create_subprocess_exec(*DD, stdin=DEVNULL, stdout=PIPE, stderr=DEVNULL)
    n = 0
    while True:
        chunk = await p.stdout.read(65536)
        if not chunk:
            break
        n += len(chunk)
    if await p.wait() != 0 or n != PIPE_BYTES:
        raise RuntimeError(f'read {n} bytes')
    return n


async def round_(case, seconds):
    t0 = time.perf_counter()
    end = t0 + seconds
    count = 0
    nbytes = 0
    if case == 'par8':
        async def lane():
            nonlocal count
            while time.perf_counter() < end:
                await run_true()
                count += 1
        await asyncio.gather(*(lane() for _ in range(8)))
    else:
        while time.perf_counter() < end:
            if case == 'pipe':
                nbytes += await run_dd()
            else:
                await run_true()
            count += 1
    elapsed = time.perf_counter() - t0
    rate = nbytes / 2 ** 20 / elapsed if case == 'pipe' else count / elapsed
    return {'count': count, 'seconds': elapsed, 'rate': rate}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--case', choices=['seq', 'par8', 'pipe'], required=True)
    args = p.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    print('READY asyncio', flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != 'run':
            continue
        out = loop.run_until_complete(round_(args.case, float(parts[1])))
        print(json.dumps(out), flush=True)
    loop.close()


if __name__ == '__main__':
    main()
