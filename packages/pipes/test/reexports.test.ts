// @iocp/pipes hands out the very pipe classes and functions of
// @iocp/proactor, so a PipeHandle from either works with IocpProactor.
import * as proactor from '@iocp/proactor';
import * as pipes from '@iocp/pipes';

describe('@iocp/pipes', () => {
  it('re-exports the pipe handle layer of @iocp/proactor by identity', () => {
    expect(pipes.PipeHandle).toBe(proactor.PipeHandle);
    expect(pipes.pipe).toBe(proactor.pipe);
    expect(pipes.createPipeInstance).toBe(proactor.createPipeInstance);
    expect(pipes.pipePath).toBe(proactor.pipePath);
    expect(pipes.PIPE_PREFIX).toBe('\\\\.\\pipe\\');
  });

  it('makes a working pipe()', () => {
    const [r, w] = pipes.pipe();
    expect(r).toBeInstanceOf(proactor.PipeHandle);
    r.close();
    w.close();
    expect(r.closed && w.closed).toBe(true);
  });
});
