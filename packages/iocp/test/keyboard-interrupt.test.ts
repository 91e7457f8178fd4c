// Ctrl+C (issue 13; test_windows_events.py ProactorLoopCtrlC): SIGINT while
// runForever runs stops the loop with KeyboardInterrupt, which the caller
// catches; the process's own SIGINT listeners are set aside meanwhile and
// restored after; run() cancels the main task first (runners.py
// Runner._on_sigint), so its finally blocks run. Each case runs in a child
// that sends itself SIGINT (on Windows, where a process cannot send itself
// a console Ctrl+C, the signal event is emitted instead: the listener path
// is the same).
import { runNodeScript } from '@iocp/jest-preset/run-node-script';

import { CHILD_PRELUDE, DIST } from './helpers';

const PRELUDE = `${CHILD_PRELUDE}
const iocp = require(${JSON.stringify(DIST)});
const sigint = () => (process.platform === 'win32' ? process.emit('SIGINT', 'SIGINT') : process.kill(process.pid, 'SIGINT'));
const describe = (e) => [e.constructor.name, e instanceof iocp.KeyboardInterrupt, e instanceof iocp.OSError, e instanceof iocp.CancelledError].join(' ');
`;

function loopCase(loopClass: 'ProactorEventLoop' | 'SelectorEventLoop'): string {
  return `${PRELUDE}
const prior = () => console.log('prior listener');
process.on('SIGINT', prior);
const loop = new iocp.${loopClass}();
let ticks = 0;
const tick = () => { ticks += 1; loop.callLater(5, tick); };
loop.callSoon(tick);
loop.callLater(20, sigint);
loop.runForever().then(
  () => console.log('resolved'),
  async (e) => {
    console.log(describe(e), ticks > 0);
    console.log('restored', process.listeners('SIGINT').length === 1 && process.listeners('SIGINT')[0] === prior);
    console.log('running', loop.isRunning());
    await loop.close();
    sigint();
    setTimeout(() => process.removeListener('SIGINT', prior), 200);
  },
);
`;
}

describe.each([['ProactorEventLoop' as const], ['SelectorEventLoop' as const]])('Ctrl+C on %s', (loopClass) => {
  test('SIGINT stops runForever with a KeyboardInterrupt (not an OSError) and the prior listener comes back', async () => {
    const { out, err, code, signal } = await runNodeScript(loopCase(loopClass));
    expect({ out, err, code, signal }).toEqual({
      out: 'KeyboardInterrupt true false false true\nrestored true\nrunning false\nprior listener\n',
      err: '',
      code: 0,
      signal: null,
    });
  });
});

describe('Ctrl+C', () => {
  test('runUntilComplete rejects with KeyboardInterrupt; with no listener before, Node\'s default SIGINT handling is back', async () => {
    const script = `${PRELUDE}
const loop = new iocp.ProactorEventLoop();
loop.callLater(10, sigint);
loop.runUntilComplete(() => iocp.sleep(60000)).catch(async (e) => {
  console.log(describe(e), process.listenerCount('SIGINT'));
  iocp.allTasks(loop).forEach((t) => t.cancel());
  await loop.runUntilComplete(() => iocp.sleep(0));
  await loop.close();
});
`;
    const { out, err, code } = await runNodeScript(script);
    expect({ out, err, code }).toEqual({ out: 'KeyboardInterrupt true false false 0\n', err: '', code: 0 });
  });

  test('run(): the first SIGINT cancels main (its finally runs on the loop) and run() rejects with KeyboardInterrupt', async () => {
    const script = `${PRELUDE}
iocp.run(async () => {
  iocp.getRunningLoop().callLater(10, sigint);
  try {
    await iocp.sleep(60000);
  } finally {
    console.log('finally ran', iocp.getRunningLoop() !== null);
  }
}).catch((e) => console.log(describe(e), process.listenerCount('SIGINT')));
`;
    const { out, err, code } = await runNodeScript(script);
    expect({ out, err, code }).toEqual({ out: 'finally ran true\nKeyboardInterrupt true false false 0\n', err: '', code: 0 });
  });

  test('run() with main catching the cancellation: a second SIGINT stops the loop with KeyboardInterrupt', async () => {
    const script = `${PRELUDE}
iocp.run(async () => {
  const loop = iocp.getRunningLoop();
  loop.callLater(10, sigint);
  try {
    await iocp.sleep(60000);
  } catch (e) {
    console.log('main swallowed', e.constructor.name);
    loop.callLater(10, sigint);
  }
  await iocp.sleep(60000);
}).catch((e) => console.log(describe(e)));
`;
    const { out, err, code } = await runNodeScript(script);
    expect({ out, err, code }).toEqual({ out: 'main swallowed CancelledError\nKeyboardInterrupt true false false\n', err: '', code: 0 });
  });
});
