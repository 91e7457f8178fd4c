// Preloaded (node -r) by the Windows leg under Wine. Wine 8 does not report
// Unix symlinks as links, so the JavaScript fs.realpathSync that require()
// uses keeps pnpm's node_modules links as separate paths and can load one
// package twice. fs.realpathSync.native resolves them as Windows resolves
// pnpm's junctions. test/windows-realpath.test.ts in @iocp/native checks it.
const fs = require('node:fs');

const native = fs.realpathSync.native;
function realpathSync(p, options) {
  return native(p, options);
}
realpathSync.native = native;
fs.realpathSync = realpathSync;
