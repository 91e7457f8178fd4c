// Port of base_events.py BaseEventLoop.sock_sendfile with the proactor's
// _sock_sendfile_native (proactor_events.py) and _sock_sendfile_fallback.
//
// The file is a Node file descriptor. Both paths use explicit positions
// (sendfile with an offset, fs.read with a position), so the descriptor's
// own file position is neither used nor moved: CPython seeks the file object
// to offset + sent on return, but Node has no lseek, and the promise's value
// (the bytes sent) says where the next send starts. A descriptor that cannot
// seek (a pipe) is read from its current position by the fallback, and only
// with offset 0 (CPython's file.seek(offset) fails there too).
import * as fs from 'node:fs';

import { ConnectionError, OSError, SendfileNotAvailableError, errnoOfCode } from '@iocp/futures';

import type { BaseProactorEventLoop } from '../base-proactor-event-loop';
import { Socket } from '../socket';
import type { SockSendfileOptions } from './options';

/** constants.SENDFILE_FALLBACK_READBUFFER_SIZE: the read size of the fallback. */
export const SENDFILE_FALLBACK_READBUFFER_SIZE = 1024 * 256;
/** The most one native sendfile is asked to move (TransmitFile takes a DWORD; Linux moves 0x7ffff000 a call). */
const MAX_BLOCK = 0x7fff_f000;

// Port of base_events.py _check_sendfile_params (ValueError: TypeError for
// the socket type, RangeError for the numbers, API.md's convention).
function checkParams(sock: unknown, fd: unknown, offset: unknown, count: unknown): void {
  if (!(sock instanceof Socket)) throw new TypeError('sock must be a Socket');
  if (sock.type !== 'stream') throw new TypeError('only SOCK_STREAM type sockets are supported');
  if (typeof fd !== 'number') throw new TypeError('fd must be a file descriptor (a number)');
  if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`fd must be a non-negative integer, got ${fd}`);
  if (count !== null && count !== undefined) {
    if (typeof count !== 'number') throw new TypeError(`count must be a positive integer (got ${typeof count})`);
    if (!Number.isInteger(count) || count <= 0) throw new RangeError(`count must be a positive integer (got ${count})`);
  }
  if (typeof offset !== 'number') throw new TypeError(`offset must be a non-negative integer (got ${String(offset)})`);
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer (got ${offset})`);
}

/**
 * BaseProactorEventLoop.sockSendfile: sends the file from `offset`, `count`
 * bytes or to its end, and resolves to the bytes sent. The OS's sendfile
 * first; with `fallback` (the default) read + sockSendall where it is not
 * available (SendfileNotAvailableError: a non-regular file, or a sendfile
 * call that failed before sending anything, as unix_events.py decides).
 */
export function sockSendfile(
  loop: BaseProactorEventLoop,
  sock: Socket,
  fd: number,
  offset = 0,
  count: number | null = null,
  opts: SockSendfileOptions = {},
): Promise<number> {
  checkParams(sock, fd, offset, count);
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts must be an object');
  const fallback = opts.fallback ?? true;
  if (typeof fallback !== 'boolean') throw new TypeError('fallback must be a boolean');
  return run(loop, sock, fd, offset, count ?? null, fallback);
}

async function run(loop: BaseProactorEventLoop, sock: Socket, fd: number, offset: number, count: number | null, fallback: boolean): Promise<number> {
  try {
    return await sendfileNative(loop, sock, fd, offset, count);
  } catch (exc) {
    if (!(exc instanceof SendfileNotAvailableError) || !fallback) throw exc;
  }
  return sendfileFallback(loop, sock, fd, offset, count);
}

function fstat(fd: number): fs.Stats | null {
  try {
    return fs.fstatSync(fd);
  } catch {
    return null;
  }
}

// Port of proactor_events.py BaseProactorEventLoop._sock_sendfile_native.
// Differences: the native sendfile may send less than asked (Linux), so the
// loop advances by what it reports and ends early if the file shrank; an
// error before any byte went out is SendfileNotAvailableError unless it is
// a connection error (unix_events.py's rule), so the fallback can take over.
async function sendfileNative(loop: BaseProactorEventLoop, sock: Socket, fd: number, offset: number, count: number | null): Promise<number> {
  const st = fstat(fd);
  if (st === null || !st.isFile()) throw new SendfileNotAvailableError('not a regular file');
  const fsize = st.size;
  let blocksize = count !== null ? count : fsize;
  if (!blocksize) return 0; // an empty file
  blocksize = Math.min(blocksize, MAX_BLOCK);
  const endPos = count !== null ? Math.min(offset + count, fsize) : fsize;
  let pos = Math.min(offset, fsize);
  let totalSent = 0;
  for (;;) {
    const want = Math.min(endPos - pos, blocksize);
    if (want <= 0) return totalSent;
    let sent: number;
    try {
      sent = await loop._proactor.sendfile(sock, fd, pos, want);
    } catch (exc) {
      if (totalSent === 0 && exc instanceof OSError && !(exc instanceof ConnectionError)) {
        throw new SendfileNotAvailableError('os.sendfile call failed', { cause: exc });
      }
      throw exc;
    }
    if (sent === 0) return totalSent; // the file ended early (it shrank)
    pos += sent;
    totalSent += sent;
  }
}

function readAt(fd: number, buf: Buffer, length: number, position: number | null): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

// Port of base_events.py BaseEventLoop._sock_sendfile_fallback.
async function sendfileFallback(loop: BaseProactorEventLoop, sock: Socket, fd: number, offset: number, count: number | null): Promise<number> {
  const st = fstat(fd);
  const seekable = st !== null && st.isFile();
  if (!seekable && offset > 0) {
    throw new OSError(errnoOfCode('ESPIPE') ?? 29, undefined, { syscall: 'lseek' });
  }
  let blocksize = count ? Math.min(count, SENDFILE_FALLBACK_READBUFFER_SIZE) : SENDFILE_FALLBACK_READBUFFER_SIZE;
  const buf = Buffer.allocUnsafe(blocksize);
  let totalSent = 0;
  for (;;) {
    if (count) {
      blocksize = Math.min(count - totalSent, blocksize);
      if (blocksize <= 0) break;
    }
    const read = await readAt(fd, buf, blocksize, seekable ? offset + totalSent : null);
    if (!read) break; // EOF
    // sockSendall copies nothing it still needs once it resolves, so the buffer is reused.
    await loop.sockSendall(sock, buf.subarray(0, read));
    totalSent += read;
  }
  return totalSent;
}
