// The run record (`start.pids` in the data directory): which processes this `npm start` runs and on
// which ports. A run that ended without cleaning up (SIGKILL to it and its watchdog, a power cut of
// the session) left it behind, so the next start recognises what still runs of it as jml's own and
// stops it, instead of refusing the ports; a run still alive is refused, never taken over.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { groupAlive, startTimeOf, stopGroups } from './processes';

interface RecordedProcess {
  pid: number;
  /** The start time the system gave it: a later process with the same pid is not ours. */
  started: string;
  command: string;
}

interface RunFile {
  owner: RecordedProcess;
  /** Process groups (their leader's pid) this run started. */
  groups: RecordedProcess[];
  ports: number[];
}

/** A start refused for a reason the user must act on: the message says what to do. */
export class StartRefused extends Error {
  override readonly name = 'StartRefused';
}

export interface RunRecord {
  /** What an earlier run left behind and this start stopped. */
  stopped: string[];
  add(pid: number, command: string): void;
  /** Removes the record: everything it lists has stopped. */
  release(): void;
}

function read(file: string): RunFile | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunFile;
  } catch {
    return undefined;
  }
}

function recorded(pid: number, command: string): RecordedProcess {
  return { pid, started: startTimeOf(pid) ?? '', command };
}

const isRunning = (p: RecordedProcess) => p.started !== '' && startTimeOf(p.pid) === p.started;

/** Claims the record for this process, stopping what a dead earlier run left running. */
export async function claimRun(file: string, ports: number[]): Promise<RunRecord> {
  const earlier = existsSync(file) ? read(file) : undefined;
  const stopped: string[] = [];
  if (earlier) {
    if (earlier.owner.pid !== process.pid && isRunning(earlier.owner)) {
      throw new StartRefused(
        `jml is already running here (pid ${earlier.owner.pid}, recorded in ${file}): stop it first ` +
          `(Ctrl-C where it runs, or kill ${earlier.owner.pid}), or give this one its own JML_DATA_DIR and ports`,
      );
    }
    // Ours if its leader is the very process we started; or if the leader is gone but its group is
    // not: the system hands out no pid that is still some group's id, so nobody else can hold it.
    const leftovers = (earlier.groups ?? []).filter(
      (g) => isRunning(g) || (startTimeOf(g.pid) === undefined && groupAlive(g.pid)),
    );
    await stopGroups(leftovers.map((g) => g.pid));
    stopped.push(...leftovers.map((g) => `${g.command} (pid ${g.pid})`));
  }
  const run: RunFile = { owner: recorded(process.pid, 'jml'), groups: [], ports };
  const save = () => {
    writeFileSync(`${file}.tmp`, `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  save();
  return {
    stopped,
    add(pid, command) {
      run.groups.push(recorded(pid, command));
      save();
    },
    release() {
      if (read(file)?.owner.pid === process.pid) unlinkSync(file);
    },
  };
}
