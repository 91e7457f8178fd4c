// Node's errors ('ECONNREFUSED' with a syscall) as the OSError classes of
// @iocp/futures, so code written for the proactor loop catches the same
// classes on the selector loop (ConnectionRefusedError, FileNotFoundError, ...).
import { OSError, osErrorClassForCode } from '@iocp/futures';

/** The OSError subclass for a Node system error; other errors are returned as they are. */
export function fromNodeError(err: unknown): Error {
  if (err instanceof OSError) return err;
  const e = err as NodeJS.ErrnoException | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const Class = osErrorClassForCode(e.code);
  const opts: { code: string; syscall?: string; cause: unknown } = { code: e.code, cause: err };
  if (typeof e.syscall === 'string') opts.syscall = e.syscall;
  return new Class(undefined, e.message, opts);
}
