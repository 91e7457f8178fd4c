// Pure parts that run on every OS: list2cmdline (CPython
// test_subprocess.py test_list2cmdline, and a round trip through the
// CommandLineToArgvW rules), the signal names, and the option checks.
import { list2cmdline } from '@iocp/subprocess';

import { signalNumber } from '../src/signals';
import { checkOptions } from '../src/options';

// The CommandLineToArgvW rules (post-2008 MS C runtime), the inverse that
// list2cmdline must satisfy: written from the documented rules, to check
// round trips.
function commandLineToArgv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) {
      let backslashes = 0;
      while (line[i] === '\\') {
        backslashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += '\\'.repeat(Math.floor(backslashes / 2));
        if (backslashes % 2 === 1) {
          arg += '"';
        } else if (quoted && line[i + 1] === '"') {
          arg += '"';
          i++;
        } else {
          quoted = !quoted;
        }
        i++;
      } else {
        arg += '\\'.repeat(backslashes);
        if (i < line.length && (quoted || (line[i] !== ' ' && line[i] !== '\t'))) arg += line[i++];
      }
    }
    out.push(arg);
  }
  return out;
}

describe('list2cmdline', () => {
  // Port of test_subprocess.py ProcessTestCase.test_list2cmdline.
  it.each([
    [['a b c', 'd', 'e'], '"a b c" d e'],
    [['ab"c', '\\', 'd'], 'ab\\"c \\ d'],
    [['ab"c', ' \\', 'd'], 'ab\\"c " \\\\" d'],
    [['a\\\\\\b', 'de fg', 'h'], 'a\\\\\\b "de fg" h'],
    [['a\\"b', 'c', 'd'], 'a\\\\\\"b c d'],
    [['a\\\\b c', 'd', 'e'], '"a\\\\b c" d e'],
    [['a\\\\b\\ c', 'd', 'e'], '"a\\\\b\\ c" d e'],
    [['ab', ''], 'ab ""'],
  ])('%j -> %s', (args, line) => {
    expect(list2cmdline(args)).toBe(line);
  });

  it('round-trips spaces, tabs, quotes, backslashes and unicode through the CommandLineToArgvW rules', () => {
    const cases = [
      [
        'prog',
        'a b',
        'tab\there',
        '',
        'q"uote',
        '"',
        '\\',
        'trail\\',
        'trail space\\',
        'dir\\sub dir\\',
        'x\\\\"y',
        'héllo wörld',
        '日本語 テキスト',
        '😀 emoji',
      ],
      ['C:\\Program Files\\node.exe', '--flag="a b"', '\\\\server\\share', '""', '\\"\\"'],
    ];
    for (const args of cases) expect(commandLineToArgv(list2cmdline(args))).toEqual(args);
  });

  it('refuses what is not an array of strings', () => {
    expect(() => list2cmdline('a b' as unknown as string[])).toThrow(TypeError);
    expect(() => list2cmdline([1] as unknown as string[])).toThrow(TypeError);
  });
});

describe('signal names and numbers', () => {
  it('Linux: numbers and the names of os.constants.signals', () => {
    expect(signalNumber('SIGTERM', 'linux')).toBe(15);
    expect(signalNumber('SIGKILL', 'linux')).toBe(9);
    expect(signalNumber(10, 'linux')).toBe(10);
    expect(() => signalNumber('SIGNOPE', 'linux')).toThrow(RangeError);
    expect(() => signalNumber(65, 'linux')).toThrow(RangeError);
    expect(() => signalNumber(1.5, 'linux')).toThrow(RangeError);
    expect(() => signalNumber(null, 'linux')).toThrow(TypeError);
  });

  it('Windows: only SIGTERM, SIGKILL, SIGINT / CTRL_C_EVENT and SIGBREAK / CTRL_BREAK_EVENT, as CPython', () => {
    expect(signalNumber('SIGTERM', 'win32')).toBe(15);
    expect(signalNumber('SIGKILL', 'win32')).toBe(9);
    expect(signalNumber('CTRL_C_EVENT', 'win32')).toBe(2);
    expect(signalNumber('SIGBREAK', 'win32')).toBe(21);
    expect(signalNumber(15, 'win32')).toBe(15);
    expect(() => signalNumber('SIGHUP', 'win32')).toThrow(/Unsupported signal: SIGHUP/);
    expect(() => signalNumber(1, 'win32')).toThrow(RangeError);
  });
});

describe('option checks', () => {
  it('defaults, stdio values and stderr "stdout"', () => {
    const o = checkOptions(undefined, 'pipe', 'linux');
    expect([o.stdin, o.stdout, o.stderr]).toEqual([
      { kind: 'pipe' },
      { kind: 'pipe' },
      { kind: 'pipe' },
    ]);
    const p = checkOptions({ stdin: 'ignore', stdout: 3, stderr: 'stdout' }, 'inherit', 'linux');
    expect([p.stdin, p.stdout, p.stderr]).toEqual([
      { kind: 'ignore' },
      { kind: 'fd', fd: 3 },
      { kind: 'stdout' },
    ]);
    expect(p.env).toBeNull();
    expect(p.killTree).toBe(false);
  });

  it('wrong types are a TypeError, bad values a RangeError, a NUL a TypeError', () => {
    expect(() => checkOptions(5, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ stdin: 'stdout' }, 'pipe')).toThrow(RangeError);
    expect(() => checkOptions({ stdout: 'file' }, 'pipe')).toThrow(RangeError);
    expect(() => checkOptions({ stdout: true }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ stdout: -1 }, 'pipe')).toThrow(RangeError);
    expect(() => checkOptions({ cwd: 5 }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ cwd: '/tmp\0x' }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ env: 'A=1' }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ env: { A: 1 } }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ env: { A: 'x\0y' } }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ env: { 'A\0B': 'x' } }, 'pipe')).toThrow(TypeError);
    expect(() => checkOptions({ env: { 'A=B': 'x' } }, 'pipe')).toThrow(RangeError);
    expect(() => checkOptions({ env: { '': 'x' } }, 'pipe')).toThrow(RangeError);
    expect(() => checkOptions({ killTree: 'yes' }, 'pipe')).toThrow(TypeError);
  });

  it('env: entries, undefined values left out, PATH taken for the search', () => {
    const o = checkOptions({ env: { A: '1', B: undefined, PATH: '/x' } }, 'pipe', 'linux');
    expect(o.env).toEqual(['A=1', 'PATH=/x']);
    expect(o.path).toBe('/x');
  });

  it('Windows env: names case-insensitive (the first in sort order wins), block sorted, "=C:" names kept', () => {
    const o = checkOptions(
      { env: { path: 'b', PATH: 'a', zeta: '1', Alpha: '2', '=C:': 'C:\\' } },
      'pipe',
      'win32',
    );
    expect(o.env).toEqual(['=C:=C:\\', 'Alpha=2', 'PATH=a', 'zeta=1']);
    expect(o.path).toBe('a');
  });
});
