// What `jml event --wait` prints while it follows one event's step: a line when the stage or what
// the workflow waits for changes, and one per application each time its status changes. Pure, so the
// wording and the end of the step are tested from status answers alone.
import type { AppProgress, IdentityStatus, ProcessedEvent } from '../domain/lifecycle';

/** Stages a step ends in; `pending` is absent, a hire for a new person starts there. */
const SETTLED_STAGES = new Set(['active', 'left']);

/** Everything shown about an application, to tell an earlier step's entry from this step's. */
const fingerprint = (app: AppProgress) => JSON.stringify(app);

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
    case 'skipped':
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
  /** The applications as they stood before the event was sent: an earlier step's. */
  private readonly earlier: Map<string, string>;
  /** Applications whose entry has changed since then, so it is this step's. */
  private readonly current = new Set<string>();
  private readonly shown = new Map<string, AppProgress['status']>();
  private outcome?: ProcessedEvent['outcome'];
  private apps: AppProgress[] = [];

  /** `before`: the person's status read before the event was sent; undefined for someone new. */
  constructor(
    private readonly eventId: string,
    before?: IdentityStatus,
  ) {
    this.earlier = new Map((before?.apps ?? []).map((a) => [a.appId, fingerprint(a)]));
  }

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
    // Until the event's step begins (it resets every application to working), the applications
    // listed are an earlier step's: an entry counts once it differs from before, or the step ended.
    if (finished || running) {
      this.apps = status.apps;
      for (const app of status.apps) {
        if (!this.current.has(app.appId)) {
          if (!finished && this.earlier.get(app.appId) === fingerprint(app)) continue;
          this.current.add(app.appId);
        }
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
