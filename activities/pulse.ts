// Heartbeats for activities that call applications. A worker that dies mid-call is noticed within
// the heartbeat timeout (seconds) instead of the start-to-close timeout (minutes), and what an
// attempt recorded before it died (what the application showed before it changed anything) reaches
// the next attempt, so a lost completion loses nothing from the report.
import { CancelledFailure, Context } from '@temporalio/activity';

/** How often a running call says it is alive; the workflow's heartbeat timeout is a few of these. */
const BEAT_MS = 1000;

export class Pulse<D> {
  private details: D | undefined;

  constructor(private readonly context: Context | undefined) {}

  /** What the previous attempt of this activity recorded, if one ran and recorded anything. */
  get previous(): D | undefined {
    const details = this.context?.info.heartbeatDetails as D | undefined;
    return details ?? undefined;
  }

  /** Records details for a later attempt and says the attempt is alive. */
  record(details: D): void {
    this.details = details;
    this.beat();
  }

  beat(): void {
    this.context?.heartbeat(this.details);
  }

  /** Throws once the workflow has asked this attempt to stop (learned from a heartbeat's answer). */
  throwIfCancelled(): void {
    if (this.context?.cancellationSignal.aborted) throw new CancelledFailure('the step was cancelled');
  }
}

/** Runs `work` with a pulse that beats every second; outside an activity (unit use) it does nothing. */
export async function withPulse<T, D>(work: (pulse: Pulse<D>) => Promise<T>): Promise<T> {
  // No beat at once: the SDK sends the first heartbeat straight away and throttles the next ones, so
  // the first should carry what an attempt records (a lost attempt's details must have reached Temporal).
  const pulse = new Pulse<D>(currentContext());
  const timer = setInterval(() => pulse.beat(), BEAT_MS);
  try {
    return await work(pulse);
  } finally {
    clearInterval(timer);
  }
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
