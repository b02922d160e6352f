// `jml event --wait`: polls the person's status after the event was accepted and prints the step's
// progress until it ends or the wait times out.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from './plan-report';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import type { IdentityStatus } from '../domain/lifecycle';
import { readIdentity } from './identity';
import { StepProgress } from './step-progress';

export interface WaitOptions {
  employeeId: string;
  /** The person's status before the event was sent (undefined: jml did not know them). */
  before?: IdentityStatus;
  eventId: string;
  timeoutMs: number;
  intervalMs: number;
  print: (line: string) => void;
}

export async function waitForStep(options: WaitOptions): Promise<ExitCode> {
  const { employeeId, eventId, timeoutMs, intervalMs, print } = options;
  const progress = new StepProgress(eventId, options.before);
  const deadline = Date.now() + timeoutMs;
  let unreachable: string | undefined;
  for (;;) {
    try {
      const observed = progress.observe(await readIdentity(employeeId));
      unreachable = undefined;
      for (const line of observed.lines) print(line);
      if (observed.finished) {
        const { line, ok } = progress.verdict();
        print(line);
        return ok ? EXIT.done : EXIT.refused;
      }
    } catch (error) {
      // The event is in; a blip (Temporal restarting, a 503) is waited out like a slow step.
      if (!(error instanceof CliError) || error.exitCode !== EXIT.unreachable) throw error;
      if (error.message !== unreachable) print(`(no status: ${error.message}; asking again)`);
      unreachable = error.message;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  const open = progress.unverified().map((a) => `${a.appId} (${a.status})`);
  print(
    `gave up waiting after ${formatDuration(timeoutMs)}: the step still runs` +
      (open.length ? `; not verified yet: ${open.join(', ')}` : ''),
  );
  return EXIT.refused;
}
