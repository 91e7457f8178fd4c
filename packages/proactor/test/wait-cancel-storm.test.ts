// A handle wait cancelled over and over beside timed waits, for 4 s, in a
// child process (a crash there fails this test instead of the whole run).
// Under Wine 8, handle waits whose callbacks ran in the thread pool's wait
// thread (WT_EXECUTEINWAITTHREAD) died on an assertion inside ntdll's
// thread pool ("wait->type == TP_OBJECT_TYPE_WAIT") within 1-2 s of this
// (see src/win/wait.cc); on every backend the waits must all end right:
// each set event wakes its wait, each unset one times out, each cancelled
// wait is cancelled or (too late) done.
import { runNodeScript } from '@iocp/jest-preset/run-node-script';
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '..', 'dist', 'index.js');

const STORM = `
const { IocpProactor, Event } = require(${JSON.stringify(DIST)});
const proactor = new IocpProactor();
const ev1 = new Event();
const ev3 = new Event();
const end = Date.now() + 4000;
let woken = 0, timedOut = 0, cancelled = 0;
async function timedWaits() {
  while (Date.now() < end) {
    const timer = setTimeout(() => ev1.set(), Math.floor(Math.random() * 4));
    if (!(await proactor.waitForHandle(ev1, 10000))) throw new Error('a wait on a set event timed out');
    ev1.reset();
    clearTimeout(timer);
    woken++;
    if (await proactor.waitForHandle(ev1, 1 + Math.floor(Math.random() * 3))) throw new Error('an unset event woke a wait');
    timedOut++;
  }
}
async function cancelledWaits() {
  while (Date.now() < end) {
    const f = proactor.waitForHandle(ev3);
    if (Math.random() < 0.5) await new Promise((r) => setImmediate(r));
    f.cancel();
    await new Promise((r) => f.addDoneCallback(() => r()));
    if (!f.cancelled()) throw new Error('a wait on an unset event ended without being cancelled');
    cancelled++;
  }
}
Promise.all([timedWaits(), cancelledWaits()]).then(async () => {
  ev1.close();
  ev3.close();
  await proactor.close();
  console.log(JSON.stringify({ woken: woken > 0, timedOut: timedOut > 0, cancelled: cancelled > 0 }));
}, (err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

describe('handle waits: a cancellation storm beside timed waits', () => {
  it('every wait ends as it should and the process survives', async () => {
    const { out, err, code, signal } = await runNodeScript(STORM, { timeoutMs: 60_000 });
    expect({ err, code, signal }).toEqual({ err: '', code: 0, signal: null });
    expect(JSON.parse(out)).toEqual({ woken: true, timedOut: true, cancelled: true });
  }, 90_000);
});
