// CPU time this machine's processes spent while a part ran, grouped by what they are: where a
// makespan went when every part shares the same cores. Read from /proc (Linux); elsewhere it is empty.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

type Sample = Map<number, { group: string; ticks: number }>;

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = 100;

function groupOf(pid: number, command: string): string {
  if (pid === process.pid) return "jml's process (API, worker, the benchmark's proxies)";
  if (command === 'temporal') return 'Temporal dev server';
  if (command.startsWith('python')) return 'SCIM servers';
  if (command.startsWith('postgres')) return 'PostgreSQL';
  return 'other';
}

function sample(): Sample {
  const taken: Sample = new Map();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return taken;
  }
  for (const name of pids) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command sits in parentheses and may hold spaces; the fields after it are space-separated.
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      taken.set(Number(name), { group: groupOf(Number(name), command), ticks });
    } catch {
      // The process ended while the list was read.
    }
  }
  return taken;
}

export interface CpuUse {
  /** CPU seconds per group of processes, largest first. */
  groups: [string, number][];
  /** CPU seconds the machine's cores could have given over the same time. */
  available: number;
}

/** Starts counting; the function it returns gives the CPU seconds spent since, by group. */
export function countCpu(): () => CpuUse {
  const before = sample();
  const start = performance.now();
  return () => {
    const after = sample();
    const spent = new Map<string, number>();
    for (const [pid, { group, ticks }] of after) {
      const used = (ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
      if (used > 0) spent.set(group, (spent.get(group) ?? 0) + used);
    }
    return {
      groups: [...spent].sort((a, b) => b[1] - a[1]),
      available: ((performance.now() - start) / 1000) * availableParallelism(),
    };
  };
}

/** One line: each group's CPU seconds, and all of them as a share of what the cores could give. */
export function cpuLine(use: CpuUse): string {
  const total = use.groups.reduce((sum, [, s]) => sum + s, 0);
  const parts = use.groups.filter(([, s]) => s >= 0.05).map(([g, s]) => `${g} ${s.toFixed(1)} s`);
  return `${parts.join(', ')}; ${total.toFixed(1)} of ${use.available.toFixed(1)} CPU seconds the ${availableParallelism()} cores had (${Math.round((100 * total) / use.available)}%)`;
}
