// Samples the resident memory of a process tree from /proc (Linux) to find peak RSS per process
// name. GNU time only sees the direct child; dbt runs as a grandchild of the node CLI.
import { readdirSync, readFileSync } from 'node:fs';

function children() {
  const byParent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ppid = Number(fields[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(entry));
    } catch {
      /* process ended */
    }
  }
  return byParent;
}

function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? '?';
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return { kib: match ? Number(match[1]) : 0, name, cmdline };
  } catch {
    return undefined;
  }
}

/** Polls the tree under rootPid every intervalMs; stop() returns {node, dbt, other} peak MiB. */
export function watchPeakRss(rootPid, intervalMs = 100) {
  const peaks = { node: 0, dbt: 0, other: 0 };
  const sample = () => {
    const tree = children();
    const stack = [rootPid];
    while (stack.length) {
      const pid = stack.pop();
      const info = rssKiB(pid);
      if (info) {
        const kind = /\bdbt\b/.test(info.cmdline) ? 'dbt' : info.name === 'node' ? 'node' : 'other';
        peaks[kind] = Math.max(peaks[kind], info.kib / 1024);
      }
      stack.push(...(tree.get(pid) ?? []));
    }
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}
