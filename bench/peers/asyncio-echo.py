"""CPython asyncio echo servers of the @iocp benchmark.

Usage: python3 asyncio-echo.py --style protocol|streams [--uvloop]
                               (--port N | --unix PATH)
       python3 asyncio-echo.py --check [--uvloop]

Prints "LISTENING <port-or-path>" once ready; exits when stdin closes.
Protocol style is asyncio's fastest path (data_received -> transport.write);
streams style is what most asyncio code uses (reader.read / writer.drain).
"""
import argparse
import asyncio
import os
import sys


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def echo_stream(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(args):
    loop = asyncio.get_running_loop()
    if args.style == 'protocol':
        if args.unix:
            server = await loop.create_unix_server(EchoProtocol, args.unix, backlog=4096)
        else:
            server = await loop.create_server(EchoProtocol, '127.0.0.1', args.port, backlog=4096)
    elif args.unix:
        server = await asyncio.start_unix_server(echo_stream, args.unix, backlog=4096)
    else:
        server = await asyncio.start_server(echo_stream, '127.0.0.1', args.port, backlog=4096)
    where = args.unix or server.sockets[0].getsockname()[1]
    print(f'LISTENING {where}', flush=True)
    stdin_closed = loop.create_future()

    def on_stdin():
        if not os.read(0, 64) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(0, on_stdin)
    await stdin_closed
    server.close()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--style', choices=['protocol', 'streams'], default='protocol')
    p.add_argument('--uvloop', action='store_true')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--unix')
    p.add_argument('--check', action='store_true')
    args = p.parse_args()
    if args.uvloop:
        try:
            import uvloop
        except ImportError as e:
            print(f'uvloop not installed for {sys.executable} ({e})')
            sys.exit(1)
        if args.check:
            print(f'uvloop {uvloop.__version__}')
            sys.exit(0)
        uvloop.install()
    if args.check:
        sys.exit(0)
    if args.unix and os.path.exists(args.unix):
        os.unlink(args.unix)
    asyncio.run(main(args))
