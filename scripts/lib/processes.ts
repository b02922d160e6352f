// Process groups we started, as the watchdog and the run record see them: whether a pid is still the
// process we recorded (pids are reused, start times are not), and stopping whole groups, so that
// whatever a server forked (a reloader's child) goes with it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name: [0] state, [2] process group, [19] start time. */
function procStat(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * When the live process `pid` started, as the system tells it; undefined when there is none. A
 * zombie counts as gone: it holds no port and only waits for its parent to reap it.
 */
export function startTimeOf(pid: number): string | undefined {
  if (process.platform === 'linux') {
    const fields = procStat(String(pid));
    return fields && fields[0] !== 'Z' ? fields[19] : undefined;
  }
  try {
    const out = execFileSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out && !out.startsWith('Z') ? out.slice(out.indexOf(' ') + 1).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether any live (not zombie) process is still in the process group. */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'linux') {
    return readdirSync('/proc').some((name) => {
      if (!/^\d+$/.test(name)) return false;
      const fields = procStat(name);
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[2]) === pgid;
    });
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  // -0 and -1 would mean our own group and every process we may signal: never a child's group.
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to every group, SIGKILL to those still alive after `graceMs`; resolves once all are gone. */
export async function stopGroups(pgids: number[], graceMs = 5000): Promise<void> {
  for (const pgid of pgids) signalGroup(pgid, 'SIGTERM');
  let alive = pgids.filter(groupAlive);
  for (const deadline = Date.now() + graceMs; alive.length && Date.now() < deadline;) {
    await sleep(100);
    alive = alive.filter(groupAlive);
  }
  for (const pgid of alive) signalGroup(pgid, 'SIGKILL');
  for (let tries = 0; alive.length && tries < 50; tries++) {
    await sleep(100);
    alive = alive.filter(groupAlive);
  }
}
