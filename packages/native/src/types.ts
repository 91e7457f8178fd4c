// The shape of the compiled addon (src/addon.cc). Low level, for the other
// @iocp packages; see this package's README for the contract.

/** The completion backends. */
export type BackendName = 'iocp' | 'io_uring' | 'epoll';

/**
 * One backend instance (one per IocpProactor). Submitting methods return the
 * operation's id (>= 0), or a negated system error (-errno on Linux,
 * -GetLastError() on Windows) when the OS refused the operation at once, in
 * which case no completion follows.
 *
 * The kernel never sees a JavaScript buffer: a send copies `buf` into native
 * memory when it starts (`buf` may be changed or transferred at once), and a
 * receive is done into native memory and copied into `buf` when it
 * completes (if `buf` was transferred or detached meanwhile, the bytes are
 * dropped). A view of a detached ArrayBuffer throws TypeError.
 */
export interface NativeCore {
  /** The backend this core runs on. */
  readonly backend: BackendName;
  /** How many operations are pending (submitted, completion not yet delivered). */
  readonly pending: number;
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * How many receives this core started as zero-byte reads (IOCP only,
   * always 0 on Linux): with many operations in flight, a receive on a
   * stream socket waits without memory until the socket has bytes, as
   * libuv does on Windows. A diagnostic (see setZeroReads).
   */
  readonly zeroReads: number;
  /**
   * Completion records, COMPLETION_WORDS int32s each: [id, result, aux,
   * addrlen]. `result` is >= 0 on success (bytes, a handle, 1/0 for waits) or
   * a negated system error. Valid for the `count` records passed to
   * onCompletions, during that call.
   */
  readonly completions: Int32Array;
  /**
   * Peer addresses of recvFrom/accept completions: record i's sockaddr is at
   * byte i * ADDRESS_SIZE, `addrlen` bytes long (decode with decodeAddress).
   */
  readonly addresses: Uint8Array;
  /**
   * [id, result] of the last operation the backend finished at once, during
   * the call that started it (with allowImmediate(true): a send or write the
   * OS took whole, on io_uring and epoll, or a read on io_uring answered from
   * bytes its socket's receive already held, or its end of file; the bytes
   * are in the buffer when the call returns): no completion record follows.
   * id is -1 when the last operation started is pending. The third word is
   * 1 when that operation receives straight into a receive buffer (see
   * allocReceiveBuffer: the OS writes the buffer itself, until the
   * operation's completion), else 0. Read it right after the call.
   */
  readonly immediate: Int32Array;
  /**
   * The Buffers of receives handed out (see recv's handOutAt): slot i for
   * completion record i, the last slot for the receive finished at once
   * (see `immediate`). Take them during the callback, or right after the
   * call for the last slot: the core empties them after the next batch.
   */
  readonly received: (Buffer | undefined)[];
  /**
   * Lets a send or write that the OS takes whole at once, or a read with
   * its bytes already at hand, finish during the call (see `immediate`),
   * instead of with the next batch. Off by default.
   */
  allowImmediate(on: boolean): void;
  /**
   * When a receive on a stream socket (4 KiB or more, no flags, not into a
   * receive buffer) starts as a zero-byte read, which holds no memory until
   * the socket has bytes (IOCP only; Linux ignores it): 'auto' (the
   * default) with 64 or more operations in flight, 'always', or 'never'.
   * The environment variable IOCP_ZERO_READ=1 or 0 at the core's creation
   * sets 'always' or 'never'. Throws TypeError for another value.
   */
  setZeroReads(mode: 'auto' | 'always' | 'never'): void;
  /** A no-op that completes with result 0 through the backend's own path. */
  nop(): number;
  /**
   * Prepares a handle for operations on this core, once per handle (Windows:
   * attach to the completion port; a handle can belong to one port only).
   * Returns 0 or a negated error.
   */
  associate(handle: number): number;
  /** Forgets the handle's state; call after its ops completed, before closing it. */
  detach(handle: number): void;
  /**
   * Receives into buf (the whole view). Result: bytes, 0 at EOF. With
   * handOutAt > 0, a receive of at least handOutAt bytes is not copied into
   * buf: the native memory the OS received into becomes a new Buffer of
   * exactly those bytes, found in `received` (no copy). Given a size
   * instead of buf, it receives up to that many bytes into a new Buffer of
   * exactly the bytes received (handed out from handOutAt bytes on, else a
   * copy), found in `received` (none at EOF).
   */
  recv(handle: number, buf: Uint8Array | number, flags?: number, handOutAt?: number): number;
  /**
   * Sends buf (the whole view), or every view of a list in order as one
   * gathered send (the views are copied into the op's one native buffer,
   * the copy every send makes). Result: bytes sent.
   */
  send(handle: number, buf: Uint8Array | readonly Uint8Array[], flags?: number): number;
  /**
   * Receives a datagram into buf. Result: bytes; the sender is in
   * `addresses`. handOutAt, and a size instead of buf, as for recv.
   */
  recvFrom(handle: number, buf: Uint8Array | number, flags?: number, handOutAt?: number): number;
  /** Sends a datagram to an encoded address. Result: bytes sent. */
  sendTo(handle: number, buf: Uint8Array, flags: number, address: Uint8Array): number;
  /** Accepts a connection. Result: the new socket's handle; the peer is in `addresses`. */
  accept(listener: number, family: number): number;
  /** Connects to an encoded address (Windows: binds to the wildcard first when unbound). Result: 0. */
  connect(handle: number, address: Uint8Array, family: number): number;
  /** Sends count bytes (0: to the end) of file from offset. Result: bytes sent. */
  sendFile(socket: number, file: number, offset: number, count: number): number;
  /**
   * Reads a file or pipe into buf at offset (-1: the current position).
   * Result: bytes, 0 at EOF. handOutAt, and a size instead of buf, as for recv.
   */
  read(handle: number, buf: Uint8Array | number, offset?: number, handOutAt?: number): number;
  /** Writes buf (or a list of views, gathered as send) to a file or pipe at offset (-1: the current position). Result: bytes. */
  write(handle: number, buf: Uint8Array | readonly Uint8Array[], offset?: number): number;
  /** Waits for a client on a named-pipe instance (Windows). Result: 0. */
  acceptPipe(pipe: number): number;
  /** Waits until handle is signalled (1) or timeoutMs passes (0); -1 waits forever. Does not consume the signal. */
  waitHandle(handle: number, timeoutMs?: number): number;
  /**
   * Requests cancellation: true if the id was pending, false if not, or a
   * negated system error when the OS refused the cancellation (Windows:
   * CancelIoEx failed). The op still completes once.
   */
  cancel(id: number): boolean | number;
  /**
   * A pending receive into a buffer (recv, read, recvFrom given a buffer)
   * stops pointing at it: its bytes are not copied there, and it still
   * completes once with its count. True if id was such a receive.
   */
  dropBuffer(id: number): boolean;
  /**
   * Refuses new operations and cancels pending ones. Returns true when the
   * backend was released now; otherwise it is released right after the batch
   * that delivers the last pending completion.
   */
  close(): boolean;
}

export interface NativeCoreConstructor {
  /**
   * `concurrency` (an integer in [0, 0xffffffff]) is the completion port's
   * NumberOfConcurrentThreads on Windows (default 1); Linux ignores it.
   */
  new (onCompletions: (count: number) => void, backend?: BackendName, concurrency?: number): NativeCore;
}

/** Socket-level constants with this OS's values. */
export interface NativeConstants {
  readonly AF_INET: number;
  readonly AF_INET6: number;
  readonly AF_UNIX: number;
  readonly SOCK_STREAM: number;
  readonly SOCK_DGRAM: number;
  readonly SHUT_RD: number;
  readonly SHUT_WR: number;
  readonly SHUT_RDWR: number;
  readonly MSG_PEEK: number;
  readonly MSG_OOB: number;
  readonly SOL_SOCKET: number;
  readonly SO_REUSEADDR: number;
  readonly SO_KEEPALIVE: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUF: number;
  readonly SO_BROADCAST: number;
  readonly SO_ERROR: number;
  readonly IPPROTO_TCP: number;
  readonly TCP_NODELAY: number;
  /** Size of the address slots in Core.addresses (sizeof(sockaddr_storage)). */
  readonly ADDRESS_SIZE: number;
}

/** A decoded socket address: IPv4, IPv6, or a Unix socket path. */
export type DecodedAddress = [string, number] | [string, number, number, number] | string;

/**
 * The addon. Synchronous functions return a value >= 0 on success or a
 * negated system error (-errno on Linux, -winerror on Windows), which the
 * caller turns into an OSError (errorName gives its Node-style code). Bad
 * argument types throw TypeError, out-of-range values RangeError.
 */
export interface NativeAddon {
  readonly backend: BackendName;
  /** Why `backend` is a fallback (Linux: io_uring refused, so epoll), or null. */
  readonly fallbackReason: string | null;
  readonly version: string;
  readonly constants: NativeConstants;
  availableBackends(): BackendName[];
  Core: NativeCoreConstructor;
  /** The Node-style code of a system error ('ECONNRESET'); Windows errors as libuv maps them. */
  errorName(code: number): string;
  /** The OS's message for a system error. */
  errorMessage(code: number): string;
  /**
   * How many operations this process leaked at environment teardown because
   * the kernel might still read or write their memory after the bounded wait
   * (5 s) ran out. 0 in a normal teardown; a leak is also reported on stderr.
   */
  leakedOperations(): number;
  /** True under Wine (for tests that must skip a known Wine difference only). */
  isWine(): boolean;
  /**
   * A Buffer of `size` bytes (1 to 2^31-1, not zeroed) that receives write
   * into directly: its memory is native and each pending receive into it
   * holds a reference, so the OS may write it whatever JavaScript does with
   * the Buffer meanwhile (transfer, detach, drop). A receive into any other
   * Buffer goes into the operation's own memory and is copied out at its
   * completion. Where Node allows no external Buffers, an ordinary Buffer.
   * @throws TypeError or RangeError for a bad size.
   */
  allocReceiveBuffer(size: number): Buffer;
  /**
   * How many handles (Windows: GetProcessHandleCount; under Wine, whose
   * GetProcessHandleCount reports 0, the handle values GetHandleInformation
   * accepts) or fds (Linux: the entries of /proc/self/fd) this process
   * holds, or a negated error. For the tests' leak check.
   */
  processHandleCount(): number;
  /**
   * How many operations the Cores of this environment (this thread) have
   * pending, summed. For the tests' leak check.
   */
  pendingOperations(): number;

  /** A non-blocking (Linux) / overlapped (Windows) socket. */
  socket(family: number, type: number): number;
  /** A connected pair (Linux socketpair; Windows a loopback TCP pair, as CPython's socketpair). */
  socketPair(family: number, type: number): [number, number] | number;
  bind(handle: number, address: Uint8Array): number;
  listen(handle: number, backlog: number): number;
  getsockname(handle: number): Uint8Array | number;
  getpeername(handle: number): Uint8Array | number;
  setsockopt(handle: number, level: number, name: number, value: number): number;
  getsockopt(handle: number, level: number, name: number): number;
  shutdown(handle: number, how: number): number;
  closeSocket(handle: number): number;
  /** Encodes an address; a negated EINVAL / WSAEINVAL for a host that is not a numeric IP. */
  encodeAddress(family: number, host: string, port: number, flowinfo?: number, scopeId?: number): Uint8Array | number;
  /** Decodes length bytes of a sockaddr at offset (null when length is 0). */
  decodeAddress(bytes: Uint8Array, offset?: number, length?: number): DecodedAddress | null;

  /** A waitable event: a Windows event object, a Linux eventfd. */
  eventCreate(manualReset: boolean, initialState: boolean): number;
  eventSet(handle: number): number;
  /** Linux: 1 when the event was set (this call took the signal), 0 when not; Windows: 0. */
  eventReset(handle: number): number;
  /** 1 when set, 0 when not, or a negated error. */
  eventIsSet(handle: number): number;
  /** Closes any handle (fd) that is not a socket. */
  closeHandle(handle: number): number;
  /** The OS handle behind a Node file descriptor (Windows: uv_get_osfhandle; Linux: the fd). */
  fdToHandle(fd: number): number;

  /**
   * A named-pipe server instance; `name` is `\\.\pipe\NAME` on Windows, an
   * absolute socket path on Linux (a non-empty string without NUL, else
   * RangeError). Windows: CreateNamedPipeW, message mode, overlapped,
   * unlimited instances; `first` (default true) adds FILE_FLAG_FIRST_PIPE_INSTANCE (a live
   * name fails with 5, ERROR_ACCESS_DENIED), `rejectRemote` (default true)
   * PIPE_REJECT_REMOTE_CLIENTS, `bufsize` (default 8192) sizes both buffers.
   * Linux: a listening socket published at the path; always exclusive (a
   * live server there: -EACCES; a leftover socket file is replaced; anything
   * else: -EEXIST); a folder named iocp-pipes-<euid> is made 0700 and must be
   * private (-EPERM); `rejectRemote` and `bufsize` do not apply. It stays
   * listening: each accept on it gives a new connection.
   *
   * More of the instance: `message` (default true on Windows, false on
   * Linux) makes a message-mode pipe (Windows PIPE_TYPE_MESSAGE |
   * PIPE_READMODE_MESSAGE; Linux SOCK_SEQPACKET); `outBufsize` (default
   * `bufsize`) is Windows' output buffer size (`bufsize` is then the input
   * one); `maxInstances` (1-255, default 255 = unlimited) is Windows'
   * nMaxInstances; `mode` (default 0o600) the Linux socket's permission
   * bits; `sddl` (Windows; default '': the current user and SYSTEM only) the
   * instance's security descriptor (an invalid one fails with 1336/1338).
   */
  pipeInstance(
    name: string,
    first?: boolean,
    rejectRemote?: boolean,
    bufsize?: number,
    message?: boolean,
    outBufsize?: number,
    maxInstances?: number,
    mode?: number,
    sddl?: string,
  ): number;
  /**
   * A client end of a named pipe, connected now (no waiting). -ENOENT /
   * -2 (ERROR_FILE_NOT_FOUND) when no server is there (on Linux also for a
   * socket file nobody listens on), -EAGAIN / -231 (ERROR_PIPE_BUSY) when
   * every instance is taken (Linux: the backlog is full): retry later.
   */
  pipeOpen(name: string): number;
  /**
   * Windows: the DACL of a pipe handle as an SDDL string (GetSecurityInfo),
   * or a negated error. Linux: -ENOSYS (stat the socket file instead).
   */
  pipeSecurity(handle: number): string | number;
  /**
   * windows_utils.pipe(): [read end, write end] (duplex: both ways). Windows:
   * a one-instance named pipe under a unique name; Linux: socketpair
   * (duplex) or pipe2. An end that is not overlapped is synchronous
   * (Windows) or blocking (Linux): for a child process, not for a Core.
   */
  pipePair(duplex?: boolean, overlappedRead?: boolean, overlappedWrite?: boolean, bufsize?: number): [number, number] | number;
  /** After closing a server instance: Linux removes the socket file when nobody listens there; Windows does nothing. */
  pipeRelease(name: string): number;

  /**
   * Starts a child process (for @iocp/subprocess). Linux: posix_spawn of
   * `file` (a path the caller resolved; no PATH search) with `argv`;
   * Windows: CreateProcessW with `file` as lpApplicationName ('' passes
   * NULL, so the program comes from `commandLine`, which the caller quoted
   * with CommandLineToArgvW's rules). `env` ('KEY=VALUE' entries) replaces
   * the environment; null inherits it. `cwd` null: the parent's. stdin,
   * stdout, stderr: a handle (fd) the child gets as its 0/1/2 (the caller
   * still closes its own copy afterwards), STDIO_INHERIT (-1) or STDIO_NULL
   * (-2). The child inherits no other handle. `newGroup`: a Job Object
   * (Windows) or a process group (Linux) that processSignal(tree) reaches.
   * Result: [pid, handle, group]: `handle` is waitable until the child
   * exits (the process handle on Windows, a pidfd on Linux; close it with
   * closeHandle), `group` the Job Object handle (Windows; close it too) or
   * the process group id (Linux), 0 without newGroup. Or a negated error:
   * ENOENT / 2 for a missing program, EACCES / 5 for a directory or a file
   * that is not executable. A string holding a NUL throws TypeError.
   */
  spawnProcess(
    file: string,
    argv: readonly string[],
    commandLine: string,
    env: readonly string[] | null,
    cwd: string | null,
    stdin: number,
    stdout: number,
    stderr: number,
    newGroup?: boolean,
  ): [pid: number, handle: number, group: number] | number;
  /**
   * The child's state, without blocking: [0, 0] while it runs, [1, code]
   * once it exited, [2, signal] when a signal ended it (Linux). Linux reaps
   * the child (waitid on this pid only): call it once the handle is
   * signalled and keep the answer (a second call gives -ECHILD). Windows:
   * an exit code of 2^31 or more comes back negative (`value >>> 0` restores
   * it). Or a negated error.
   */
  processStatus(handle: number, pid: number): [state: 0 | 1 | 2, value: number] | number;
  /**
   * Sends a signal (tree: to the child's group, see spawnProcess). Linux:
   * pidfd_send_signal / kill(-group). Windows: 9 and 15 terminate
   * (TerminateProcess / TerminateJobObject with exit code 1), 2 and 21 send
   * CTRL_C_EVENT / CTRL_BREAK_EVENT; other numbers fail with 87. An exited
   * child: -ESRCH on Linux, 0 on Windows. 0 or a negated error.
   */
  processSignal(handle: number, pid: number, group: number, signal: number, tree?: boolean): number;
}
