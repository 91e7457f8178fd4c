import { constants } from 'node:os';
import {
  BlockingIOError,
  BrokenPipeError,
  ChildProcessError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  InterruptedError,
  IsADirectoryError,
  NotADirectoryError,
  OSError,
  PermissionError,
  ProcessLookupError,
  codeOfErrno,
  codeOfWinError,
  describeCode,
  errnoOfCode,
  osErrorFromErrno,
  osErrorFromNative,
  osErrorFromWinError,
} from '@iocp/futures';

const errno = constants.errno as Record<string, number>;

describe('OSError classes', () => {
  test('the connection errors are ConnectionErrors, which are OSErrors', () => {
    for (const Class of [
      BrokenPipeError,
      ConnectionAbortedError,
      ConnectionRefusedError,
      ConnectionResetError,
    ]) {
      const error = new Class();
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toBeInstanceOf(OSError);
      expect(error).toBeInstanceOf(Error);
    }
    expect(new FileNotFoundError()).not.toBeInstanceOf(ConnectionError);
  });

  test('a subclass made without arguments takes the errno and code of its default code', () => {
    const error = new ConnectionResetError();
    expect(error.code).toBe('ECONNRESET');
    expect(error.errno).toBe(errno.ECONNRESET);
    expect(error.name).toBe('ConnectionResetError');
    expect(error.message).toBe('ECONNRESET: connection reset by peer');
    expect(error.syscall).toBeUndefined();
    expect(error.winerror).toBeUndefined();
  });

  test('a message-only OSError has errno 0 and code UNKNOWN, like Python OSError("msg")', () => {
    const error = new OSError('something failed');
    expect(error.message).toBe('something failed');
    expect(error.errno).toBe(0);
    expect(error.code).toBe('UNKNOWN');
  });

  test('a subclass with only a message keeps its default code', () => {
    const error = new ConnectionResetError('Connection lost');
    expect(error.message).toBe('Connection lost');
    expect(error.code).toBe('ECONNRESET');
  });

  test('an errno names its code and, with a syscall, a Node-style message', () => {
    const error = new OSError(errno.EBADF, undefined, { syscall: 'read' });
    expect(error.code).toBe('EBADF');
    expect(error.syscall).toBe('read');
    expect(error.message).toBe(`read EBADF: ${describeCode('EBADF')}`);
  });

  test('explicit code and winerror options are kept', () => {
    const error = new OSError(22, 'bad', { code: 'EINVAL', winerror: 87 });
    expect(error.code).toBe('EINVAL');
    expect(error.winerror).toBe(87);
  });

  test('an errno that is neither a number nor a string is a TypeError', () => {
    expect(() => new OSError({} as unknown as number)).toThrow(TypeError);
  });
});

describe('osErrorFromErrno', () => {
  test.each([
    ['ECONNRESET', ConnectionResetError],
    ['ECONNREFUSED', ConnectionRefusedError],
    ['ECONNABORTED', ConnectionAbortedError],
    ['EPIPE', BrokenPipeError],
    ['ENOENT', FileNotFoundError],
    ['EEXIST', FileExistsError],
    ['EACCES', PermissionError],
    ['EPERM', PermissionError],
    ['EINTR', InterruptedError],
    ['EAGAIN', BlockingIOError],
    ['EINPROGRESS', BlockingIOError],
    ['ECHILD', ChildProcessError],
    ['EISDIR', IsADirectoryError],
    ['ENOTDIR', NotADirectoryError],
    ['ESRCH', ProcessLookupError],
  ])('%s gives %p with that code', (code, Class) => {
    const error = osErrorFromErrno(errno[code]);
    expect(error).toBeInstanceOf(Class);
    expect(error.constructor).toBe(Class);
    expect(error.code).toBe(code);
    expect(error.errno).toBe(errno[code]);
  });

  test('the message is Node style: syscall, code, strerror text', () => {
    const error = osErrorFromErrno(errno.ECONNREFUSED, 'connect');
    expect(error.message).toBe('connect ECONNREFUSED: connection refused');
    expect(error.syscall).toBe('connect');
  });

  test('an errno with no class of its own gives a plain OSError', () => {
    const error = osErrorFromErrno(errno.EBADF);
    expect(error.constructor).toBe(OSError);
    expect(error.code).toBe('EBADF');
  });

  test('an unknown errno gives a plain OSError with code UNKNOWN', () => {
    const error = osErrorFromErrno(99999, 'read');
    expect(error.constructor).toBe(OSError);
    expect(error.code).toBe('UNKNOWN');
    expect(error.errno).toBe(99999);
    expect(error.message).toBe('read UNKNOWN: unknown error');
  });

  test('a message option replaces the generated message', () => {
    expect(osErrorFromErrno(errno.EPIPE, 'write', { message: 'pipe closed' }).message).toBe(
      'pipe closed',
    );
  });

  test('wrong argument types are TypeErrors and bad numbers RangeErrors, naming the argument', () => {
    expect(() => osErrorFromErrno('104' as unknown as number)).toThrow(/errno must be a number/);
    expect(() => osErrorFromErrno(-1)).toThrow(RangeError);
    expect(() => osErrorFromErrno(1.5)).toThrow(/errno must be a non-negative integer/);
    expect(() => osErrorFromErrno(errno.EPIPE, 5 as unknown as string)).toThrow(
      /syscall must be a string/,
    );
  });
});

describe('osErrorFromWinError', () => {
  test.each([
    [64, ConnectionResetError, 'ECONNRESET'],
    [1225, ConnectionRefusedError, 'ECONNREFUSED'],
    [1236, ConnectionAbortedError, 'ECONNABORTED'],
    [109, BrokenPipeError, 'EPIPE'],
    [232, BrokenPipeError, 'EPIPE'],
    [2, FileNotFoundError, 'ENOENT'],
    [3, FileNotFoundError, 'ENOENT'],
    [5, PermissionError, 'EACCES'],
    [80, FileExistsError, 'EEXIST'],
    [183, FileExistsError, 'EEXIST'],
    [10054, ConnectionResetError, 'ECONNRESET'],
    [10061, ConnectionRefusedError, 'ECONNREFUSED'],
    [10053, ConnectionAbortedError, 'ECONNABORTED'],
    [10035, BlockingIOError, 'EAGAIN'],
  ])('winerror %d gives %p with code %s', (winerror, Class, code) => {
    const error = osErrorFromWinError(winerror, 'WSARecv');
    expect(error.constructor).toBe(Class);
    expect(error.code).toBe(code);
    expect(error.winerror).toBe(winerror);
    expect(error.errno).toBe(errno[code]);
    expect(error.message).toBe(`WSARecv ${code}: ${describeCode(code)}`);
  });

  test('ERROR_OPERATION_ABORTED on a socket is a ConnectionResetError, as in the proactor', () => {
    const error = osErrorFromWinError(995, 'WSARecv', { socket: true });
    expect(error).toBeInstanceOf(ConnectionResetError);
    expect(error.code).toBe('ECONNRESET');
    expect(error.winerror).toBe(995);
  });

  test('ERROR_OPERATION_ABORTED elsewhere is a plain OSError ECANCELED, as libuv names it', () => {
    const error = osErrorFromWinError(995, 'ReadFile');
    expect(error.constructor).toBe(OSError);
    expect(error.code).toBe('ECANCELED');
  });

  test('ERROR_NETNAME_DELETED is a ConnectionResetError with or without the socket flag', () => {
    expect(osErrorFromWinError(64, undefined, { socket: true })).toBeInstanceOf(
      ConnectionResetError,
    );
    expect(codeOfWinError(64)).toBe('ECONNRESET');
  });

  test('an unknown winerror gives a plain OSError, code UNKNOWN, errno EINVAL', () => {
    const error = osErrorFromWinError(12345, 'DeviceIoControl');
    expect(error.constructor).toBe(OSError);
    expect(error.code).toBe('UNKNOWN');
    expect(error.errno).toBe(errno.EINVAL);
    expect(error.winerror).toBe(12345);
    expect(error.message).toContain('winerror 12345');
  });

  test('wrong arguments are TypeErrors or RangeErrors naming the argument', () => {
    expect(() => osErrorFromWinError(null as unknown as number)).toThrow(/winerror must be a number/);
    expect(() => osErrorFromWinError(-5)).toThrow(RangeError);
    expect(() => osErrorFromWinError(5, undefined, null as unknown as object)).toThrow(
      /opts must be an object/,
    );
  });
});

describe('osErrorFromNative', () => {
  const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
  afterEach(() => {
    Object.defineProperty(process, 'platform', platform);
  });

  test('reads a Windows error code on Windows', () => {
    Object.defineProperty(process, 'platform', { value: 'win32' });
    const error = osErrorFromNative(1225, 'ConnectEx');
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect(error.winerror).toBe(1225);
  });

  test('reads an errno elsewhere', () => {
    Object.defineProperty(process, 'platform', { value: 'linux' });
    const error = osErrorFromNative(errno.ECONNRESET, 'recv');
    expect(error).toBeInstanceOf(ConnectionResetError);
    expect(error.winerror).toBeUndefined();
  });
});

describe('code helpers', () => {
  test('codeOfErrno and errnoOfCode are inverse for the common codes', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ENOENT', 'EAGAIN', 'EINTR']) {
      expect(codeOfErrno(errnoOfCode(code)!)).toBe(code);
    }
    expect(errnoOfCode('NOT_A_CODE')).toBeUndefined();
    expect(codeOfErrno(-42)).toBe('UNKNOWN');
  });

  test('describeCode gives libuv text and a fallback for unknown codes', () => {
    expect(describeCode('ECONNRESET')).toBe('connection reset by peer');
    expect(describeCode('NOPE')).toBe('unknown error');
  });
});
