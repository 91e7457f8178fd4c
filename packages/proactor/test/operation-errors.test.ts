// How failed operations are reported (issue #9 section 7), ported from
// windows_events.py: only the recv/send/sendfile finishers turn
// ERROR_NETNAME_DELETED / ERROR_OPERATION_ABORTED into ConnectionResetError
// (accept, connect, waits and pipe accepts raise the plain OSError), and a
// cancel the OS refuses is reported through the exception handler
// (_OverlappedFuture._cancel_overlapped).
import { BaseEventLoop, ConnectionResetError, OSError, logger } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { native } from '@iocp/native';
import type { NativeCore } from '@iocp/native';
import { Event, IocpProactor, OverlappedFuture, Socket } from '@iocp/proactor';

import { operationError } from '../src/operation-error';
import { listener } from './helpers';

const isWindows = process.platform === 'win32';

class TestLoop extends BaseEventLoop {}

/** The native core under a proactor (to cancel an op behind its future's back). */
function coreOf(proactor: IocpProactor): NativeCore {
  return (proactor as unknown as { _core: NativeCore })._core;
}

async function failure(fut: PromiseLike<unknown>): Promise<OSError> {
  return (await fut.then(
    () => {
      throw new Error('expected the operation to fail');
    },
    (e: unknown) => e,
  )) as OSError;
}

describe('operation errors', () => {
  let proactor: IocpProactor;
  const closeMe: Array<{ close(): unknown }> = [];

  beforeEach(() => {
    proactor = new IocpProactor();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const c of closeMe.splice(0)) await c.close();
    await proactor.close();
  });

  function track<T extends { close(): unknown }>(x: T): T {
    closeMe.push(x);
    return x;
  }

  describe('a handle closed under an operation', () => {
    it('fails a pending accept with a plain OSError ECANCELED, not a ConnectionResetError', async () => {
      const lsock = listener();
      const pending = proactor.accept(lsock);
      lsock.close();
      const err = await failure(pending);
      expect(err).toBeInstanceOf(OSError);
      expect(err).not.toBeInstanceOf(ConnectionResetError);
      expect(err.code).toBe('ECANCELED');
      expect(err.syscall).toBe('accept');
      if (isWindows) expect(err.winerror).toBe(995);
    });

    it('fails a pending recvfrom with ConnectionResetError (finish_recv)', async () => {
      const sock = new Socket('inet', 'dgram');
      sock.bind(['127.0.0.1', 0]);
      const pending = proactor.recvfrom(sock, 100);
      sock.close();
      expect(await failure(pending)).toBeInstanceOf(ConnectionResetError);
    });
  });

  describe('an operation the OS cancelled while its future is pending (a real native completion)', () => {
    // The core is asked to cancel directly, so the future is not cancelled
    // and the completion's cancellation code (ERROR_OPERATION_ABORTED on
    // Windows, ECANCELED on Linux) goes through the error mapping.
    it('a wait rejects with a plain OSError ECANCELED', async () => {
      const event = track(new Event());
      const fut = proactor.waitForHandle(event);
      expect(coreOf(proactor).cancel(fut._id)).toBe(true);
      const err = await failure(fut);
      expect(err).toBeInstanceOf(OSError);
      expect(err).not.toBeInstanceOf(ConnectionResetError);
      expect(err.code).toBe('ECANCELED');
    });

    it('an accept rejects with a plain OSError ECANCELED', async () => {
      const lsock = track(listener());
      const fut = proactor.accept(lsock);
      expect(coreOf(proactor).cancel(fut._id)).toBe(true);
      const err = await failure(fut);
      expect(err).not.toBeInstanceOf(ConnectionResetError);
      expect(err.code).toBe('ECANCELED');
    });

    (isWindows ? it : it.skip)('Windows: a recv rejects with ConnectionResetError (995 in finish_recv)', async () => {
      const [, b] = Socket.pair().map(track);
      const fut = proactor.recv(b, 10);
      expect(coreOf(proactor).cancel(fut._id)).toBe(true);
      const err = await failure(fut);
      expect(err).toBeInstanceOf(ConnectionResetError);
      expect(err.winerror).toBe(995);
    });
  });

  (isWindows ? describe : describe.skip)('Windows codes (unit: no socket produces 64 on demand)', () => {
    it.each([
      ['accept', 64],
      ['connect', 64],
      ['wait_for_handle', 995],
      ['accept_pipe', 995],
    ])('%s with winerror %i is a plain OSError', (what, winerror) => {
      const err = operationError(what, -winerror);
      expect(err.constructor).toBe(OSError);
      expect(err.winerror).toBe(winerror);
      expect(err.syscall).toBe(what);
    });

    it.each([
      ['recv', 64],
      ['recv_into', 995],
      ['recvfrom', 64],
      ['recvfrom_into', 995],
      ['send', 64],
      ['sendto', 995],
      ['sendfile', 64],
    ])('%s with winerror %i is a ConnectionResetError', (what, winerror) => {
      const err = operationError(what, -winerror);
      expect(err).toBeInstanceOf(ConnectionResetError);
      expect(err.winerror).toBe(winerror);
    });
  });

  describe('a cancel the OS refuses (_cancel_overlapped)', () => {
    /** A canceller whose OS refuses every cancel, as CancelIoEx can. */
    const refusing = {
      calls: 0,
      _cancelOperation(): OSError {
        this.calls++;
        return new OSError(9, 'CancelIoEx EBADF: bad file descriptor', { syscall: 'CancelIoEx' });
      },
    };

    beforeEach(() => {
      refusing.calls = 0;
    });

    it('is reported through the loop\'s exception handler, and the future is cancelled', () => {
      const loop = track(new TestLoop());
      loop.setDebug(true);
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => void reports.push(context));
      const fut = new OverlappedFuture<number>(refusing, 'recv', { loop });
      fut._id = 7;
      expect(fut.cancel()).toBe(true);
      expect(refusing.calls).toBe(1);
      expect(fut.cancelled()).toBe(true);
      expect(reports).toHaveLength(1);
      expect(reports[0].message).toBe('Cancelling an overlapped future failed');
      expect(reports[0].future).toBe(fut);
      expect(reports[0].exception).toBeInstanceOf(OSError);
      expect(typeof reports[0].source_traceback).toBe('string');
    });

    it('is written to the logger for a loop-less future', () => {
      const errors: string[] = [];
      jest.spyOn(logger, 'error').mockImplementation((message: string) => void errors.push(message));
      const fut = new OverlappedFuture<number>(refusing, 'recv', { loop: null });
      fut._id = 7;
      expect(fut.cancel()).toBe(true);
      expect(fut.cancelled()).toBe(true);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Cancelling an overlapped future failed/);
      expect(errors[0]).toContain('EBADF');
    });

    (isWindows ? it : it.skip)('Windows: CancelIoEx on a handle closed behind the proactor fails and is reported', async () => {
      const loop = track(new TestLoop());
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => void reports.push(context));
      proactor.setLoop(loop);
      const pair = native.socketPair(native.constants.AF_INET, native.constants.SOCK_STREAM);
      if (typeof pair === 'number') throw new Error(`socketPair failed: ${pair}`);
      const [h1, h2] = pair;
      try {
        // A bare connection: the proactor does not know when it is closed.
        const fut = proactor.recv({ fileno: () => h1 }, 10);
        native.closeSocket(h1);
        expect(fut.cancel()).toBe(true);
        expect(reports).toHaveLength(1);
        expect(reports[0].message).toBe('Cancelling an overlapped future failed');
        expect(reports[0].future).toBe(fut);
        expect((reports[0].exception as OSError).syscall).toBe('CancelIoEx');
        proactor.setLoop(undefined);
        await proactor.close();
      } finally {
        native.closeSocket(h2);
      }
    });
  });
});
