// Child processes for local servers: started in their own process group, stopped with the group,
// with their recent output kept for error messages. They never outlive this process: on a normal
// exit the exit hook stops them, and should this process die without running any code (SIGKILL,
// a crash of the runtime) a watchdog process (watchdog.ts) notices and stops their groups.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { basename, join } from 'node:path';
import { signalGroup } from './processes';
import { PROJECT_ROOT } from './tools';

export interface ManagedChild {
  process: ChildProcess;
  /** The last output lines, for error messages. */
  output(): string;
  stop: () => Promise<void>;
}

/** Told of every process group started here, the watchdog's too (the run record lists them). */
export type ChildListener = (pid: number, command: string) => void;
const listeners: ChildListener[] = [];
export function onChildStarted(listener: ChildListener): void {
  listeners.push(listener);
}

const running = new Set<ChildProcess>();
// Children run in their own process group (so that a Ctrl-C reaches only us, and stop() ends
// everything they started); this makes sure they end with us when we exit without stopping them,
// e.g. on an uncaught error.
process.once('exit', () => killChildren('SIGTERM'));

/** Signals every running child's whole group at once: for an exit that cannot wait for stop(). */
export function killChildren(signal: NodeJS.Signals): void {
  for (const child of running) if (child.pid) signalGroup(child.pid, signal);
}

let watchdog: ChildProcess | undefined;
function tellWatchdog(line: string): void {
  if (!watchdog) {
    // Its own process group, so that the Ctrl-C or hangup that stops us leaves it to clean up after us.
    watchdog = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'watchdog.ts')], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Neither the watchdog nor the pipe to it may keep this process alive.
    watchdog.unref();
    (watchdog.stdin as Socket).unref();
    watchdog.stdin!.on('error', () => undefined);
    for (const listener of listeners) listener(watchdog.pid!, 'watchdog');
  }
  watchdog.stdin!.write(`${line}\n`);
}

export function startChild(
  command: string,
  args: string[],
  { name = basename(command), ...options }: SpawnOptions & { name?: string } = {},
): ManagedChild {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Detached, the child leads a new process group whose id is its pid (none if it failed to spawn).
  const pgid = child.pid ?? 0;
  running.add(child);
  if (pgid) {
    tellWatchdog(`+${pgid}`);
    for (const listener of listeners) listener(pgid, name);
  }
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      running.delete(child);
      // Whatever the server forked goes with it, even when it ended by itself.
      signalGroup(pgid, 'SIGKILL');
      if (pgid) tellWatchdog(`-${pgid}`);
      done();
    }),
  );
  return {
    process: child,
    output: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(pgid, 'SIGTERM');
      const ended = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 5000)),
      ]);
      if (!ended) {
        signalGroup(pgid, 'SIGKILL');
        await exited;
      }
    },
  };
}
