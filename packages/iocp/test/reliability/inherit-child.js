// The child of security-inherit.test.ts, started with Node's child_process
// and no extra stdio. Linux: prints every fd it holds and what it is
// ("3 anon_inode:[eventfd]"). Windows: tries the parent's handle values it
// was given (argv: "event:<n>", "socket:<n>", "pipe:<n>") through
// @iocp/native and prints what each call returned: a handle the child did
// not inherit fails (a negated ERROR_INVALID_HANDLE or WSAENOTSOCK), one it
// inherited works (the event reads as set, the socket has a type, the
// pipe's security descriptor reads back).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

if (process.platform === 'linux') {
  const out = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      out.push(`${fd} ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // The fd that listed the folder, closed by now.
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const { native } = require(path.join(__dirname, '..', '..', '..', 'native', 'dist', 'index.js'));
  const out = [];
  for (const arg of process.argv.slice(2)) {
    const [kind, value] = arg.split(':');
    const h = Number(value);
    let r;
    if (kind === 'event') r = native.eventIsSet(h);
    else if (kind === 'socket') r = native.getsockopt(h, native.constants.SOL_SOCKET, 0x1008 /* SO_TYPE */);
    else r = native.pipeSecurity(h);
    out.push([arg, r]);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
