// The selector loop's pipe names follow @iocp/pipes' rules (pipePath):
// both map the same addresses to the same OS names and refuse the same ones.
import { pipePath } from '@iocp/proactor';

import { selectorPipePath } from '../src/selector/pipe-name';

const isWindows = process.platform === 'win32';

describe('selector pipe names', () => {
  test.each([['\\\\.\\pipe\\a'], ['\\\\.\\PIPE\\name-with.dots'], ...(isWindows ? [] : [['/tmp/iocp-abs.sock']])])(
    '%s maps to the same OS name as pipePath',
    (address) => {
      expect(selectorPipePath(address)).toBe(pipePath(address));
    },
  );

  test.each([['\\\\.\\pipe\\'], ['\\\\.\\pipe\\a\\b'], ['\\\\.\\pipe\\..'], ['relative'], ['a\0b'], [`\\\\.\\pipe\\${'x'.repeat(300)}`]])(
    '%j is refused by both, with the same error class',
    (address) => {
      const theirs = ((): unknown => {
        try {
          return pipePath(address);
        } catch (e) {
          return (e as Error).constructor;
        }
      })();
      expect(() => selectorPipePath(address)).toThrow(theirs as ErrorConstructor);
    },
  );

  test('a non-string is a TypeError in both', () => {
    expect(() => selectorPipePath(42)).toThrow(TypeError);
    expect(() => pipePath(42)).toThrow(TypeError);
  });
});
