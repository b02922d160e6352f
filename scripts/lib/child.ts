// Child processes for local servers: started in their own process group, stopped with the group,
// with their recent output kept for error messages.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ManagedChild {
  process: ChildProcess;
  /** The last output lines, for error messages. */
  output(): string;
  stop: () => Promise<void>;
}

const running = new Set<ChildProcess>();
// Children run in their own process group (so stop() ends everything they started); this makes sure
// they still end with us when we exit without stopping them, e.g. on an uncaught error.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
});

export function startChild(command: string, args: string[], options: SpawnOptions = {}): ManagedChild {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => (running.delete(child), done())));
  return {
    process: child,
    output: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 5000)),
      ]);
      if (!killed) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await exited;
      }
    },
  };
}
