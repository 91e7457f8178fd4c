// The options of PipeServer (and startServingPipe, startPipeServer), checked
// before anything is made.
const isWindows = process.platform === 'win32';

/** Options of a pipe server (API.md, "@iocp/pipes"). */
export interface PipeServerOptions {
  /**
   * Message mode (default false: a byte stream): each read gives one whole
   * message. Windows: PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE (a message
   * longer than a read arrives over several reads). Linux: SOCK_SEQPACKET;
   * a message is at most 65504 bytes (a longer write fails with EMSGSIZE).
   */
  messageMode?: boolean;
  /** Windows: the most instances (clients connected, plus the spare) of the name, 1-255 (default 255: unlimited). */
  maxInstances?: number;
  /** Windows: the pipe's input buffer size (default 8192). Linux: each connection's SO_RCVBUF. */
  inBufferSize?: number;
  /** Windows: the pipe's output buffer size (default 8192). Linux: each connection's SO_SNDBUF (byte mode). */
  outBufferSize?: number;
  /**
   * Windows only: who may connect, as an SDDL security descriptor, e.g.
   * 'D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;AU)'. Default: the current user
   * and SYSTEM only. Refused on Linux (use `mode`).
   */
  sddl?: string;
  /**
   * Linux only: the socket file's permission bits (default 0o600: owner
   * only), e.g. 0o660 for the owner's group. Others need to reach the
   * socket's folder too: the default folder is private (0700), so use an
   * absolute socket path in a folder they can enter. Refused on Windows
   * (use `sddl`).
   */
  mode?: number;
}

const KNOWN = new Set(['messageMode', 'maxInstances', 'inBufferSize', 'outBufferSize', 'sddl', 'mode']);

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') throw new TypeError(`opts.${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`opts.${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * Checks `opts`: TypeError for a wrong type or an unknown option,
 * RangeError for a value out of range, Error for an option the OS does not
 * have (sddl on Linux, mode on Windows). Returns a frozen copy.
 */
export function checkServerOptions(opts: unknown): Readonly<PipeServerOptions> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('opts must be an object');
  const o = opts as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw new TypeError(`opts.${key} is not a pipe server option`);
  }
  const out: PipeServerOptions = { messageMode: false };
  if (o.messageMode !== undefined) {
    if (typeof o.messageMode !== 'boolean') throw new TypeError('opts.messageMode must be a boolean');
    out.messageMode = o.messageMode;
  }
  if (o.maxInstances !== undefined) {
    checkInteger('maxInstances', o.maxInstances, 1, 255);
    out.maxInstances = o.maxInstances as number;
  }
  for (const key of ['inBufferSize', 'outBufferSize'] as const) {
    if (o[key] !== undefined) {
      checkInteger(key, o[key], 0, 0x7fffffff);
      out[key] = o[key] as number;
    }
  }
  if (o.sddl !== undefined) {
    if (!isWindows) {
      throw new Error('opts.sddl is a Windows option (an SDDL security descriptor); on Linux use opts.mode');
    }
    if (typeof o.sddl !== 'string') throw new TypeError('opts.sddl must be a string');
    if (o.sddl === '' || o.sddl.includes('\0')) throw new RangeError('opts.sddl must be a non-empty SDDL string without NUL');
    out.sddl = o.sddl;
  }
  if (o.mode !== undefined) {
    if (isWindows) {
      throw new Error('opts.mode is a Linux option (the socket file\'s permission bits); on Windows use opts.sddl');
    }
    checkInteger('mode', o.mode, 0, 0o777);
    out.mode = o.mode as number;
  }
  return Object.freeze(out);
}
