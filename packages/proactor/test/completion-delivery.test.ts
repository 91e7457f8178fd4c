// Delivering completions and cancelling operations never throws out of the
// proactor (issue #9 section 7): a completion whose future cannot take its
// outcome is reported, and the rest of its batch is still delivered;
// OverlappedFuture.cancel checks its argument before it cancels anything.
import { BaseEventLoop, CancelledError, RuntimeError, logger } from '@iocp/futures';
import type { ExceptionContext } from '@iocp/futures';
import { Event, IocpProactor, Socket } from '@iocp/proactor';

class TestLoop extends BaseEventLoop {}

/** Lets Node's event loop turn until `cond()` holds (completions arrive through it). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('completion delivery', () => {
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

  it('a completion for a future of a closed loop goes to that loop\'s exception handler; the batch goes on', async () => {
    // Two waits on a signalled event complete together. The first one's
    // future belongs to a loop that is closed by then: setting its result
    // schedules its done callback with callSoon, which throws.
    const event = track(new Event({ manualReset: true, initialState: true }));
    const loop = track(new TestLoop());
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => void reports.push(context));
    proactor.setLoop(loop);
    const first = proactor.waitForHandle(event);
    first.addDoneCallback(() => undefined);
    proactor.setLoop(undefined);
    const second = proactor.waitForHandle(event);
    await loop.close();
    expect(await second).toBe(true);
    await until(() => first.done());
    expect(first.result()).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0].future).toBe(first);
    expect(reports[0].exception).toBeInstanceOf(RuntimeError);
    expect(String(reports[0].message)).toMatch(/completion/);
    // Nothing is left pending: close() resolves.
    await proactor.close();
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  it('a loop-less future that throws while taking its outcome is reported through the logger', async () => {
    const errors: string[] = [];
    jest.spyOn(logger, 'error').mockImplementation((message: string) => void errors.push(message));
    const event = track(new Event({ manualReset: true, initialState: true }));
    const first = proactor.waitForHandle(event);
    const boom = new Error('boom');
    first.setResult = () => {
      throw boom;
    };
    const second = proactor.waitForHandle(event);
    expect(await second).toBe(true);
    await until(() => errors.length > 0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/completion/);
    expect(errors[0]).toContain('boom');
    await proactor.close();
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  it('close() cancels every pending operation even when one future\'s loop is closed', async () => {
    const loop = track(new TestLoop());
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => void reports.push(context));
    const [, b] = Socket.pair().map(track);
    proactor.setLoop(loop);
    const first = proactor.recv(b, 10);
    first.addDoneCallback(() => undefined);
    proactor.setLoop(undefined);
    const second = proactor.recv(b, 10);
    await loop.close();
    await proactor.close();
    expect(first.cancelled()).toBe(true);
    expect(second.cancelled()).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0].future).toBe(first);
    expect(reports[0].exception).toBeInstanceOf(RuntimeError);
    expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
  });

  describe('OverlappedFuture.cancel(msg)', () => {
    it('a msg that is not a string throws TypeError before anything is cancelled', async () => {
      const [a, b] = Socket.pair().map(track);
      const fut = proactor.recv(b, 10);
      expect(() => fut.cancel(123 as unknown as string)).toThrow(TypeError);
      expect(() => fut.cancel({} as unknown as string)).toThrow(TypeError);
      // Still pending, and the OS operation too: it receives the data.
      expect(fut.done()).toBe(false);
      await proactor.send(a, Buffer.from('still here'));
      expect((await fut).toString()).toBe('still here');
    });

    it('a string msg (or none, or null) cancels the operation with that message', async () => {
      const [, b] = Socket.pair().map(track);
      const withMsg = proactor.recv(b, 10);
      expect(withMsg.cancel('stop')).toBe(true);
      await expect(withMsg).rejects.toThrow(CancelledError);
      await expect(withMsg).rejects.toThrow('stop');
      const withNull = proactor.recv(b, 10);
      expect(withNull.cancel(null)).toBe(true);
      await expect(withNull).rejects.toBeInstanceOf(CancelledError);
      await proactor.close();
      expect(String(proactor)).toBe('<IocpProactor overlapped#=0 result#=0>');
    });
  });
});
