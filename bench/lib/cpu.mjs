// How much CPU other work used while a peer was measured: the machine's busy
// time (/proc/stat) minus the harness's own, the peer's long-lived process's
// (/proc/PID/stat) and what the measuring program reports for itself. On a
// shared machine this tells a disturbed round from a slow peer. It is rough
// (the kernel samples /proc/stat by ticks but measures process times
// exactly): about 20% of a CPU either way is measuring error.
import fs from 'node:fs';

const HZ = 100; // USER_HZ, the unit of /proc/stat and /proc/PID/stat on Linux.

function machineBusy() {
  try {
    const f = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0); // all but idle and iowait
  } catch {
    return null;
  }
}

function processTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** A snapshot to take before and after a measurement. */
export function cpuSnapshot(pids = []) {
  const self = process.cpuUsage();
  return {
    wall: performance.now(),
    busy: machineBusy(),
    ours: pids.reduce((n, pid) => n + processTicks(pid), 0) / HZ + (self.user + self.system) / 1e6,
  };
}

/** Other work between two snapshots, in % of one CPU (null when unknown). */
export function otherCpuPct(a, b, measuredCpuSeconds = 0) {
  if (a.busy == null || b.busy == null) return null;
  const seconds = (b.wall - a.wall) / 1000;
  const other = (b.busy - a.busy) / HZ - (b.ours - a.ours) - measuredCpuSeconds;
  return seconds > 0 ? Math.max(0, Math.round((other / seconds) * 100)) : null;
}
