// The meta-package hands out the very same classes as the packages it wraps,
// so `instanceof` works across them (each package loads exactly once).
import * as futures from '@iocp/futures';
import * as native from '@iocp/native';
import * as pipes from '@iocp/pipes';
import * as proactor from '@iocp/proactor';
import * as subprocess from '@iocp/subprocess';
import * as iocp from 'iocp';

describe('iocp (meta-package)', () => {
  it('re-exports @iocp/futures and @iocp/proactor by identity', () => {
    expect(iocp.Future).toBe(futures.Future);
    expect(iocp.CancelledError).toBe(futures.CancelledError);
    expect(iocp.IocpProactor).toBe(proactor.IocpProactor);
    expect(iocp.Socket).toBe(proactor.Socket);
  });

  it('re-exports @iocp/pipes by identity', () => {
    expect(iocp.PipeServer).toBe(pipes.PipeServer);
    expect(iocp.startServingPipe).toBe(pipes.startServingPipe);
    expect(iocp.openPipeConnection).toBe(pipes.openPipeConnection);
    expect(iocp.PipeHandle).toBe(pipes.PipeHandle);
  });

  it('re-exports @iocp/subprocess by identity', () => {
    expect(iocp.createSubprocessExec).toBe(subprocess.createSubprocessExec);
    expect(iocp.Process).toBe(subprocess.Process);
    expect(iocp.subprocessExec).toBe(subprocess.subprocessExec);
  });

  it('reports the native backend', () => {
    expect(iocp.backend).toBe(native.backend);
    expect(iocp.nativeVersion).toBe(native.version);
  });
});
