// Test order: jest's default (failed first, then slowest first), except that
// the files whose assertions wait for the garbage collector's finalizers
// (FinalizationRegistry reports: "exception was never retrieved", "Task was
// destroyed but it is pending!") run first in their worker. In two clean-clone
// runs (cold caches, every file in one worker on 2 cores) such a file that ran
// late in the worker saw no finalizer run at all within seconds, on Linux and
// under Wine; run early, it never did. The cause is not known yet (see the
// core-correctness issue's notes); the assertions themselves are unchanged.
const { createRequire } = require('node:module');

const fromJest = createRequire(require.resolve('jest'));
const fromCore = createRequire(fromJest.resolve('@jest/core'));
const DefaultSequencer = fromCore('@jest/test-sequencer').default;

const WAITS_FOR_GC = /[\\/](unretrieved|task-destroyed|future-await)\.test\.ts$/;

class GcFirstSequencer extends DefaultSequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const gcFirst = (order) => [
      ...order.filter((t) => WAITS_FOR_GC.test(t.path)),
      ...order.filter((t) => !WAITS_FOR_GC.test(t.path)),
    ];
    return Array.isArray(sorted) ? gcFirst(sorted) : sorted.then(gcFirst);
  }
}

module.exports = GcFirstSequencer;
