// --setup: installs the peers that come from Debian packages (uvloop for
// /usr/bin/python3, liburing-dev for the C io_uring server) when root.
import { spawnSync } from 'node:child_process';

const PACKAGES = ['python3-uvloop', 'liburing-dev'];

export function setup(log) {
  const cmd = ['apt-get', 'install', '-y', ...PACKAGES];
  if (process.getuid?.() !== 0) {
    log(`bench --setup: not root; run as root: ${cmd.join(' ')}`);
    return false;
  }
  const apt = (args) =>
    spawnSync(args[0], args.slice(1), { stdio: 'inherit', timeout: 600000 }).status === 0;
  log(`bench --setup: ${cmd.join(' ')}`);
  if (apt(cmd)) return true;
  log('bench --setup: install failed; running apt-get update and trying again');
  return apt(['apt-get', 'update']) && apt(cmd);
}
