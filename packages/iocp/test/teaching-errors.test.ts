// Errors that teach (issue 13), as a user meets them through the
// meta-package: createTask(work()), a delay in seconds, a missing addon.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { logger } from '@iocp/futures';
import { createTask, run, sleep } from 'iocp';
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

const NATIVE_DIST = path.resolve(__dirname, '..', '..', 'native', 'dist');

describe('errors that teach', () => {
  test('createTask(work()) inside run() throws a TypeError that says to pass () => work()', async () => {
    const work = async (): Promise<number> => 1;
    const message = await run(async () => {
      const started = work();
      try {
        createTask(started as never);
        return 'no error';
      } catch (err) {
        return `${(err as Error).constructor.name}: ${(err as Error).message}`;
      }
    });
    expect(message).toMatch(/^TypeError: createTask\(\) takes a function that starts the work, not a promise: pass `\(\) => work\(\)`/);
  });

  test('run({debug: true}) with sleep(0.5): accepted, and the warning says times are milliseconds', async () => {
    const warned: string[] = [];
    const saved = logger.warn;
    logger.warn = (m) => warned.push(m);
    try {
      expect(await run(async () => (await sleep(0.5), 'slept'), { debug: true })).toBe('slept');
    } finally {
      logger.warn = saved;
    }
    // Debug mode may also report a slow callback on a loaded machine: only the seconds warning counts here.
    expect(warned.filter((m) => m.includes('milliseconds'))).toEqual([expect.stringMatching(/sleep\(\) ms = 0\.5: times are in milliseconds here, not seconds as in asyncio; if you meant 0\.5 s, pass 500/)]);
  });

  test('a missing addon: the loader error names npm rebuild @iocp/native and pnpm onlyBuiltDependencies', async () => {
    // The built loader, copied where no addon is next to it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-noaddon-'));
    try {
      fs.mkdirSync(path.join(dir, 'dist'));
      fs.copyFileSync(path.join(NATIVE_DIST, 'binding.js'), path.join(dir, 'dist', 'binding.js'));
      const script = `
try {
  require(${JSON.stringify(path.join(dir, 'dist', 'binding.js'))}).loadAddon();
  console.log('loaded');
} catch (e) {
  console.log(e.message);
}`;
      const env = { ...process.env };
      delete env.IOCP_NATIVE_PATH;
      const { out, code } = await runNodeScript(script, { env });
      expect(code).toBe(0);
      expect(out).toMatch(/^@iocp\/native: no compiled addon for /);
      expect(out).toContain('npm rebuild @iocp/native');
      expect(out).toContain('pnpm.onlyBuiltDependencies');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
