// Port of asyncio/selector_events.py BaseSelectorEventLoop (and the
// SelectorEventLoop of windows_events.py): the transport, server, pipe and
// subprocess API of the proactor loop on Node's own net, dgram and
// child_process, whose libuv does the selecting. It loads no native addon:
// this module and everything it imports at run time are @iocp/futures and
// Node built-ins (imports from @iocp/proactor are types only), so it works
// where @iocp/native cannot load, and it is the baseline the benchmarks
// compare the proactor loop with.
//
// What differs from the proactor loop: the sock* methods (they need the
// addon's sockets) throw Error '... not supported by SelectorEventLoop';
// createConnection/createServer take no `sock` option (Node owns its
// sockets); pipes are Node's (Windows named pipes, Linux Unix sockets in
// the same folder as @iocp/pipes) without PipeServer's options; a child's
// stderr cannot be merged into its stdout ('stdout').
import * as child_process from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';

import { BaseEventLoop, PermissionError, RuntimeError } from '@iocp/futures';
import type {
  BaseProtocol,
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  DatagramTransport,
  ProtocolFactory,
  SubprocessProtocol,
  Transport,
} from '@iocp/proactor';

import { SigintGuard } from '../keyboard-interrupt';
import { sockAddr } from './addresses';
import { SelectorDatagramTransport } from './datagram-transport';
import { fromNodeError } from './node-error';
import { ensurePipeFolder, selectorPipePath } from './pipe-name';
import { ListeningSocket, SelectorServer } from './server';
import { SelectorStreamTransport } from './stream-transport';
import { SelectorSubprocessTransport } from './subprocess-transport';
import type { SubprocessTransport } from './subprocess-transport';
import type { SubprocessOptions } from '@iocp/subprocess';

/** Options of subprocessExec/subprocessShell on the selector loop: @iocp/subprocess's (stderr: 'stdout' aside). */
export type SelectorSubprocessOptions = SubprocessOptions;

/** Options of startServingPipe on the selector loop (the Linux socket mode; others are PipeServer's). */
export interface SelectorPipeOptions {
  /** Linux: the socket's mode (default 0o600: owner only). */
  mode?: number;
}

/** What startServingPipe resolves to: the PipeServer interface (address, closed(), close()). */
export class SelectorPipeServer {
  constructor(
    readonly address: string,
    /** @internal */ readonly _server: SelectorServer,
  ) {}
  closed(): boolean {
    return this._server.sockets.length === 0;
  }
  close(): void {
    this._server.close();
  }
  waitClosed(): Promise<void> {
    return this._server.waitClosed();
  }
}

function notSupported(name: string): never {
  throw new Error(`${name} is not supported by SelectorEventLoop (it needs the proactor's sockets: use ProactorEventLoop)`);
}

function checkFactory(f: unknown): void {
  if (typeof f !== 'function') throw new TypeError('protocolFactory must be a function');
}

function netFamily(family: CreateConnectionOptions['family']): 0 | 4 | 6 {
  return family === 'inet' ? 4 : family === 'inet6' ? 6 : 0;
}

function streamExtra(sock: net.Socket): Record<string, unknown> {
  return {
    peername: sockAddr(sock.remoteAddress, sock.remotePort, sock.remoteFamily),
    sockname: sockAddr(sock.localAddress, sock.localPort, sock.localFamily),
  };
}

/** An event loop on Node's net, dgram and child_process: no native addon. */
export class SelectorEventLoop extends BaseEventLoop {
  /** @internal SIGINT while the loop runs (keyboard-interrupt.ts). */
  readonly _sigint: SigintGuard = new SigintGuard(this);

  /** @internal See BaseProactorEventLoop._resourceOpened (the shared loop counts these). */
  _resourceOpened(): void {}
  /** @internal */
  _resourceClosed(): void {}

  /** @internal False for the shared on-demand loop: a background loop does not take Ctrl+C over. */
  protected _takesSigint = true;

  protected override _onRunStart(): void {
    super._onRunStart();
    if (this._takesSigint) this._sigint.install();
  }

  protected override _onRunStop(): void {
    super._onRunStop();
    this._sigint.uninstall();
  }

  // ---- streams over TCP ----
  // Port of base_events.py create_connection (Node resolves and connects).
  createConnection<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | null,
    opts: CreateConnectionOptions = {},
  ): Promise<[Transport, P]> {
    checkFactory(protocolFactory);
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    if (opts.sock !== undefined) notSupported('createConnection({sock})');
    if (host == null || port == null) throw new TypeError('host and port must be given');
    if (typeof host !== 'string') throw new TypeError('host must be a string');
    if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError('port must be an integer');
    if (port < 0 || port > 65535) throw new RangeError('port must be in 0..65535');
    const options: net.NetConnectOpts = { host, port, family: netFamily(opts.family), allowHalfOpen: true };
    if (opts.localAddr !== undefined) {
      options.localAddress = opts.localAddr[0];
      options.localPort = opts.localAddr[1] as number;
    }
    if (opts.happyEyeballsDelay !== undefined) {
      options.autoSelectFamily = true;
      options.autoSelectFamilyAttemptTimeout = Math.max(10, opts.happyEyeballsDelay);
    }
    return this._connectStream(protocolFactory, () => net.connect(options), () => ({}));
  }

  /** Wraps a connected Node socket that Node's own server accepted (base_events.py connect_accepted_socket). */
  connectAcceptedSocket<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, sock: net.Socket): Promise<[Transport, P]> {
    checkFactory(protocolFactory);
    if (!(sock instanceof net.Socket)) throw new TypeError('sock must be a net.Socket (the proactor\'s Socket needs ProactorEventLoop)');
    return this._wrap(protocolFactory, sock, streamExtra(sock));
  }

  private _connectStream<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    connect: () => net.Socket,
    extra: () => Record<string, unknown>,
  ): Promise<[Transport, P]> {
    this._checkOpen();
    return new Promise<net.Socket>((resolve, reject) => {
      const sock = connect();
      const onError = (err: Error): void => {
        sock.destroy();
        reject(fromNodeError(err));
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        sock.removeListener('error', onError);
        resolve(sock);
      });
    }).then((sock) => this._wrap(protocolFactory, sock, { ...streamExtra(sock), ...extra() }));
  }

  private async _wrap<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, sock: net.Socket, extra: Record<string, unknown>): Promise<[Transport, P]> {
    let protocol: P;
    try {
      protocol = protocolFactory();
    } catch (err) {
      sock.destroy();
      throw err;
    }
    const waiter = this.createFuture<void>();
    const transport = new SelectorStreamTransport(this, sock, protocol, waiter, extra);
    try {
      await waiter;
    } catch (err) {
      transport.close();
      throw err;
    }
    return [transport, protocol];
  }

  // Port of base_events.py create_server (one listener per host; Node binds and listens).
  async createServer(
    protocolFactory: ProtocolFactory,
    host?: string | string[] | null,
    port?: number | null,
    opts: CreateServerOptions = {},
  ): Promise<SelectorServer> {
    checkFactory(protocolFactory);
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    if (opts.sock !== undefined) notSupported('createServer({sock})');
    if (port != null && (typeof port !== 'number' || !Number.isInteger(port))) throw new TypeError('port must be an integer');
    if (port != null && (port < 0 || port > 65535)) throw new RangeError('port must be in 0..65535');
    this._checkOpen();
    const hosts = host == null || host === '' ? [undefined] : Array.isArray(host) ? host : [host];
    const servers: net.Server[] = [];
    try {
      for (const h of hosts) {
        servers.push(
          await this._listen({ host: h, port: port ?? 0, backlog: opts.backlog ?? 100, ipv6Only: opts.family === 'inet6', ...(opts.reusePort ? { reusePort: true } : {}) }),
        );
      }
    } catch (err) {
      for (const s of servers) s.close();
      throw err;
    }
    const server = new SelectorServer(this, servers, protocolFactory, streamExtra);
    if (opts.startServing ?? true) {
      server._startServing();
      await new Promise<void>((resolve) => this.callSoon(resolve));
    }
    return server;
  }

  private _listen(options: net.ListenOptions): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false });
      server.once('error', (err) => reject(fromNodeError(err)));
      server.listen(options, () => {
        server.removeAllListeners('error');
        resolve(server);
      });
    });
  }

  // ---- datagrams ----
  // Port of base_events.py create_datagram_endpoint.
  async createDatagramEndpoint<P extends BaseProtocol>(
    protocolFactory: ProtocolFactory<P>,
    opts: CreateDatagramEndpointOptions = {},
  ): Promise<[DatagramTransport, P]> {
    checkFactory(protocolFactory);
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    if (opts.sock !== undefined) notSupported('createDatagramEndpoint({sock})');
    if (opts.reuseAddress) {
      throw new RangeError('Passing `reuseAddress: true` is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.');
    }
    const { localAddr, remoteAddr } = opts;
    if (typeof localAddr === 'string' || typeof remoteAddr === 'string' || opts.family === 'unix') {
      notSupported('a Unix datagram endpoint');
    }
    this._checkOpen();
    const v6 = opts.family === 'inet6' || (localAddr ?? remoteAddr)?.[0]?.includes(':') === true;
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ...(opts.reusePort ? { reusePort: true } : {}) } as dgram.SocketOptions);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(localAddr ? { address: localAddr[0], port: localAddr[1] } : { port: 0 }, () => {
          sock.removeListener('error', reject);
          resolve();
        });
      });
      if (opts.allowBroadcast) sock.setBroadcast(true);
      if (remoteAddr) {
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject);
          sock.connect(remoteAddr[1], remoteAddr[0], () => {
            sock.removeListener('error', reject);
            resolve();
          });
        });
      }
    } catch (err) {
      sock.close();
      throw fromNodeError(err);
    }
    let protocol: P;
    try {
      protocol = protocolFactory();
    } catch (err) {
      sock.close();
      throw err;
    }
    const waiter = this.createFuture<void>();
    const transport = new SelectorDatagramTransport(this, sock, protocol, remoteAddr ?? null, waiter);
    await waiter;
    return [transport, protocol];
  }

  // ---- pipes (windows_events.py ProactorEventLoop's methods, on net) ----
  /** Serves the pipe `address` (`\\.\pipe\NAME`); resolves to [server]. A live server on the name: PermissionError. */
  async startServingPipe(protocolFactory: ProtocolFactory, address: string, opts: SelectorPipeOptions = {}): Promise<[SelectorPipeServer]> {
    checkFactory(protocolFactory);
    const osName = selectorPipePath(address);
    this._checkOpen();
    ensurePipeFolder(osName);
    let listener: net.Server;
    try {
      listener = await this._listen({ path: osName });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
      if (process.platform === 'win32' || (await isLive(osName))) {
        throw new PermissionError(undefined, `a server is already serving the pipe ${address}`, { code: 'EACCES' });
      }
      // A socket file a dead server left: take the name over.
      fs.rmSync(osName, { force: true });
      listener = await this._listen({ path: osName });
    }
    if (process.platform !== 'win32') fs.chmodSync(osName, opts.mode ?? 0o600);
    const server = new SelectorServer(this, [listener], protocolFactory, () => ({ addr: address }));
    server._startServing();
    return [new SelectorPipeServer(address, server)];
  }

  /** Connects to the pipe `address`; FileNotFoundError when no server has it. */
  createPipeConnection<P extends BaseProtocol>(protocolFactory: ProtocolFactory<P>, address: string): Promise<[Transport, P]> {
    checkFactory(protocolFactory);
    const osName = selectorPipePath(address);
    return this._connectStream(protocolFactory, () => net.connect({ path: osName, allowHalfOpen: true }), () => ({ addr: address, peername: null, sockname: null }));
  }

  // ---- subprocesses (base_events.py subprocess_exec / subprocess_shell) ----
  /** Runs `argv` (no shell); resolves once it started. A missing program: FileNotFoundError. */
  subprocessExec<P extends SubprocessProtocol>(
    protocolFactory: ProtocolFactory<P>,
    argv: string[],
    opts: SelectorSubprocessOptions = {},
  ): Promise<[SubprocessTransport, P]> {
    checkFactory(protocolFactory);
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
      throw new TypeError('argv must be a non-empty array of strings');
    }
    return this._spawn(protocolFactory, () => child_process.spawn(argv[0], argv.slice(1), this._spawnOptions(opts, false)));
  }

  /** Runs `cmd` through the shell (/bin/sh -c, cmd.exe /d /s /c). */
  subprocessShell<P extends SubprocessProtocol>(
    protocolFactory: ProtocolFactory<P>,
    cmd: string,
    opts: SelectorSubprocessOptions = {},
  ): Promise<[SubprocessTransport, P]> {
    checkFactory(protocolFactory);
    if (typeof cmd !== 'string') throw new TypeError('cmd must be a string');
    return this._spawn(protocolFactory, () => child_process.spawn(cmd, [], this._spawnOptions(opts, true)));
  }

  private _spawnOptions(opts: SelectorSubprocessOptions, shell: boolean): child_process.SpawnOptions {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
    const io = (v: unknown, name: string): 'pipe' | 'inherit' | 'ignore' | number => {
      if (v === undefined) return 'pipe';
      if (v === 'stdout' && name === 'stderr') notSupported("stderr: 'stdout'");
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
      if (v !== 'pipe' && v !== 'inherit' && v !== 'ignore') throw new TypeError(`opts.${name} must be 'pipe', 'inherit', 'ignore' or an fd`);
      return v;
    };
    return {
      stdio: [io(opts.stdin, 'stdin'), io(opts.stdout, 'stdout'), io(opts.stderr, 'stderr')],
      cwd: opts.cwd ?? undefined,
      env: (opts.env ?? undefined),
      shell,
      windowsHide: true,
    };
  }

  private async _spawn<P extends SubprocessProtocol>(protocolFactory: ProtocolFactory<P>, spawn: () => child_process.ChildProcess): Promise<[SubprocessTransport, P]> {
    this._checkOpen();
    const protocol = protocolFactory();
    const child = spawn();
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(fromNodeError(err)));
      child.once('spawn', () => {
        child.removeAllListeners('error');
        resolve();
      });
    });
    const transport = new SelectorSubprocessTransport(this, child, protocol);
    await new Promise<void>((resolve) => this.callSoon(resolve));
    return [transport, protocol];
  }

  // ---- sock* (selector_events.py has them on raw sockets; here they need the addon) ----
  sockRecv(): never {
    return notSupported('sockRecv');
  }
  sockRecvInto(): never {
    return notSupported('sockRecvInto');
  }
  sockRecvfrom(): never {
    return notSupported('sockRecvfrom');
  }
  sockRecvfromInto(): never {
    return notSupported('sockRecvfromInto');
  }
  sockSendall(): never {
    return notSupported('sockSendall');
  }
  sockSendto(): never {
    return notSupported('sockSendto');
  }
  sockConnect(): never {
    return notSupported('sockConnect');
  }
  sockAccept(): never {
    return notSupported('sockAccept');
  }
  sockSendfile(): never {
    return notSupported('sockSendfile');
  }

  private _checkOpen(): void {
    if (this.isClosed()) throw new RuntimeError('Event loop is closed');
  }
}

/** Whether a server answers on the Unix socket `osName` (a refused connect: a stale file). */
function isLive(osName: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path: osName });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export { ListeningSocket, SelectorServer };
