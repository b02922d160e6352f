// What `jml event --wait` prints while it follows one event's step: a line when the stage or what
// the workflow waits for changes, and one per application each time its status changes. Pure, so the
// wording and the end of the step are tested from status answers alone.
import type { AppProgress, IdentityStatus, ProcessedEvent } from '../domain/lifecycle';

/** Stages a step ends in; `pending` is absent, a hire for a new person starts there. */
const SETTLED_STAGES = new Set(['active', 'left']);
/** Stages in which the applications shown are the running step's own. */
const STEP_STAGES = new Set(['joining', 'moving', 'leaving']);

export function describeApp(app: AppProgress): string {
  const attempt = app.attempts > 1 ? ` (attempt ${app.attempts})` : '';
  const problem = app.lastProblem ? `: ${app.lastProblem}` : '';
  switch (app.status) {
    case 'working':
      return `${app.appId}: working${attempt}`;
    case 'stalled':
      return `${app.appId}: stalled, no answer since ${app.callingSince ?? 'a while'}`;
    case 'verified':
      return `${app.appId}: verified${app.verifiedAt ? ` at ${app.verifiedAt}` : ''}`;
    case 'failing':
      return `${app.appId}: failing${attempt}${problem}`;
    case 'unverifiable':
    case 'held-by-other':
      return `${app.appId}: ${app.status}${problem}`;
  }
}

export interface Observation {
  lines: string[];
  /** The event's step is over (its outcome recorded, or the person settled once it ran). */
  finished: boolean;
}

export class StepProgress {
  private seen = false;
  private heading?: string;
  private readonly shown = new Map<string, AppProgress['status']>();
  private outcome?: ProcessedEvent['outcome'];
  private apps: AppProgress[] = [];

  constructor(private readonly eventId: string) {}

  observe(status: IdentityStatus): Observation {
    const lines: string[] = [];
    const processed = status.history.find((h) => h.eventId === this.eventId);
    const running = status.current?.eventId === this.eventId;
    const queued = status.queued.some((q) => q.eventId === this.eventId);
    if (running || queued) this.seen = true;
    // The history keeps only the latest events; a step seen running that is gone while the person
    // is settled has ended too.
    const finished =
      processed !== undefined || (this.seen && !running && !queued && SETTLED_STAGES.has(status.stage));
    const heading = `${status.stage}: ${status.waitingFor}`;
    if (heading !== this.heading) {
      lines.push(heading);
      this.heading = heading;
    }
    // Until the event's step begins, the applications listed are an earlier step's.
    if (finished || (running && STEP_STAGES.has(status.stage))) {
      this.apps = status.apps;
      for (const app of status.apps) {
        if (this.shown.get(app.appId) === app.status) continue;
        this.shown.set(app.appId, app.status);
        lines.push(`  ${describeApp(app)}`);
      }
    }
    this.outcome = processed?.outcome;
    return { lines, finished };
  }

  /** Applications of the step that are not verified, with their status. */
  unverified(): AppProgress[] {
    return this.apps.filter((a) => a.status !== 'verified');
  }

  /** The closing line, and whether the step ended with every application verified. */
  verdict(): { line: string; ok: boolean } {
    if (this.outcome && !['completed', 'duplicate', 'merged'].includes(this.outcome)) {
      return { line: `done: the event was ${this.outcome}`, ok: false };
    }
    const open = this.unverified();
    if (open.length) {
      return {
        line: `done: not verified: ${open.map((a) => `${a.appId} (${a.status})`).join(', ')}`,
        ok: false,
      };
    }
    return { line: `done: every application verified (${this.apps.length})`, ok: true };
  }
}
