// Runs a Node script in a child process until it exits by itself (the tests
// of plain code that must let the process end when everything is closed).
// Output goes to files, not pipes: node.exe under Wine dies writing to a
// pipe. A child that never exits is killed after `timeoutMs`, so the test
// fails (signal 'SIGKILL') instead of hanging; not a timing assertion.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function runNodeScript(script, { timeoutMs = 60000, env } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iocp-script-'));
  try {
    const outFd = fs.openSync(path.join(dir, 'out'), 'w');
    const errFd = fs.openSync(path.join(dir, 'err'), 'w');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', outFd, errFd], env });
    fs.closeSync(outFd);
    fs.closeSync(errFd);
    const watchdog = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(watchdog);
    const out = fs.readFileSync(path.join(dir, 'out'), 'utf8').replace(/\r\n/g, '\n');
    const err = fs.readFileSync(path.join(dir, 'err'), 'utf8');
    return { out, err, code, signal };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { runNodeScript };
