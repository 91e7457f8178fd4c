// TransportRead, the transports' read record (no future per read): it
// settles once per read, reaches its transport from the loop's ready queue
// as a future's done callback would, cancels the OS operation as
// OverlappedFuture does (or stays pending for an outcome the cancel cannot
// undo), and starts over for the next read. Through a real socket: one
// read record serves many reads, and the proactor tracks it like a future.
import { CancelledError, InvalidStateError, OSError } from '@iocp/futures';
import { BaseProactorEventLoop, Socket } from '@iocp/proactor';

import { TransportRead } from '../src/transport-read';
import { closeLoop, iterations } from './transport-helpers';

describe('TransportRead', () => {
  let loop: BaseProactorEventLoop;
  const sockets: Socket[] = [];

  beforeEach(() => {
    loop = new BaseProactorEventLoop();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await closeLoop(loop);
  });

  /** A read whose done callbacks are recorded, and a canceller that records cancels. */
  function record(outcome: OSError | null = null, hasOutcome = false) {
    const done: TransportRead[] = [];
    const cancels: number[] = [];
    const canceller = {
      _cancelOperation(id: number): OSError | null {
        cancels.push(id);
        if (hasOutcome) read._hasOutcome = true;
        return outcome;
      },
    };
    const read = new TransportRead(canceller, loop, (r) => done.push(r));
    return { read, done, cancels };
  }

  test('a result reaches the callback from the ready queue, once', async () => {
    await loop.runUntilComplete(async () => {
      const { read, done } = record();
      expect(read.done()).toBe(false);
      expect(() => read.result()).toThrow(InvalidStateError);
      read.setResult(7);
      expect(read.done()).toBe(true);
      // Not during setResult: from the loop, as a future's callback.
      expect(done).toEqual([]);
      await iterations(loop, 1);
      expect(done).toEqual([read]);
      expect(read.result()).toBe(7);
      expect(read.exception()).toBeNull();
      expect(() => read.setResult(8)).toThrow(InvalidStateError);
      expect(() => read.setException(new Error('x'))).toThrow(InvalidStateError);
      await iterations(loop, 2);
      expect(done.length).toBe(1);
    });
  });

  test('an error is thrown by result() and given by exception()', async () => {
    await loop.runUntilComplete(async () => {
      const { read, done } = record();
      const err = new OSError(5, 'I/O error');
      read.setException(err);
      await iterations(loop, 1);
      expect(done).toEqual([read]);
      expect(() => read.result()).toThrow(err);
      expect(read.exception()).toBe(err);
      expect(read.cancelled()).toBe(false);
    });
  });

  test('cancel() cancels the OS operation, then the read', async () => {
    await loop.runUntilComplete(async () => {
      const { read, done, cancels } = record();
      read._id = 42;
      expect(read.cancel()).toBe(true);
      expect(cancels).toEqual([42]);
      expect(read.cancelled()).toBe(true);
      expect(() => read.result()).toThrow(CancelledError);
      expect(() => read.exception()).toThrow(CancelledError);
      expect(read.cancel()).toBe(false);
      await iterations(loop, 1);
      expect(done).toEqual([read]);
    });
  });

  test('a cancel that cannot undo the operation leaves the read pending for its outcome', async () => {
    await loop.runUntilComplete(async () => {
      const { read, done, cancels } = record(null, true);
      read._id = 9;
      expect(read.cancel()).toBe(false);
      expect(read.cancel()).toBe(false);
      // Asked once: the second cancel knows it cannot undo it.
      expect(cancels).toEqual([9]);
      expect(read.done()).toBe(false);
      read.setResult(3);
      await iterations(loop, 1);
      expect(done).toEqual([read]);
      expect(read.result()).toBe(3);
    });
  });

  test('a cancel the OS refuses is reported through the exception handler, and the read is cancelled', async () => {
    await loop.runUntilComplete(async () => {
      const reported: unknown[] = [];
      loop.setExceptionHandler((_l, context) => reported.push(context.exception));
      const refused = new OSError(22, 'refused');
      const { read } = record(refused);
      read._id = 1;
      expect(read.cancel()).toBe(true);
      expect(reported).toEqual([refused]);
      expect(read.cancelled()).toBe(true);
    });
  });

  test('_restart() makes it a new read, and one record serves many reads of a socket', async () => {
    await loop.runUntilComplete(async () => {
      const [a, b] = Socket.pair();
      sockets.push(a, b);
      const proactor = loop._proactor;
      const results: Array<number | Buffer | Error> = [];
      let next: (() => void) | null = null;
      const read = new TransportRead(proactor, loop, (r) => {
        results.push(r.exception() ?? r.result());
        next?.();
      });
      const buf = Buffer.alloc(64);
      for (const word of ['one', 'two', 'three']) {
        const got = new Promise<void>((resolve) => (next = resolve));
        proactor._readFor(a, buf, false, read);
        await loop.sockSendall(b, Buffer.from(word));
        await got;
        expect(buf.subarray(0, word.length).toString()).toBe(word);
        expect(read._id).toBe(-1);
      }
      expect(results).toEqual([3, 3, 5]);
      expect(proactor.pendingOperations).toBe(0);
      // A pending read is tracked on its socket: closing the socket cancels it.
      const got = new Promise<void>((resolve) => (next = resolve));
      proactor._readFor(a, buf, false, read);
      expect(read._id).toBeGreaterThanOrEqual(0);
      expect(proactor.pendingOperations).toBe(1);
      a.close();
      await got;
      expect(read.done()).toBe(true);
      expect(results[3]).toBeInstanceOf(OSError);
      expect(proactor.pendingOperations).toBe(0);
    });
  });
});
