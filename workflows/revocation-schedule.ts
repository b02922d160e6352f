// Access due to be removed at a set time (time-bound privilege, a mover's overlap), kept in the
// workflow state so it survives continue-as-new. The identity workflow removes each when it is due.
import type { ScheduledReason, ScheduledRevocation } from '../domain/lifecycle';

export class RevocationSchedule {
  /** Bumped on every change, so a wait for the next due time can notice a new, earlier one. */
  version = 0;

  constructor(private readonly items: ScheduledRevocation[]) {}

  list(): ScheduledRevocation[] {
    return [...this.items].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  }

  /** Adds one and returns what is scheduled: an entitlement already scheduled for the same reason keeps its time. */
  add(item: ScheduledRevocation): ScheduledRevocation {
    const existing = this.items.find((i) => same(i, item) && i.reason === item.reason);
    if (existing) return existing;
    this.items.push(item);
    this.version++;
    return item;
  }

  /** Forgets what is scheduled for this entitlement, for one reason or all. */
  drop(appId: string, entitlement: string, reason?: ScheduledReason): void {
    const before = this.items.length;
    this.remove((i) => same(i, { appId, entitlement }) && (reason === undefined || i.reason === reason));
    if (this.items.length !== before) this.version++;
  }

  clear(): void {
    this.remove(() => true);
    this.version++;
  }

  /** Milliseconds since the epoch when the next item is due, if any. */
  nextDueAt(): number | undefined {
    const times = this.items.map((i) => Date.parse(i.dueAt));
    return times.length ? Math.min(...times) : undefined;
  }

  /** Removes and returns every item due by `now`. */
  takeDue(now: number): ScheduledRevocation[] {
    const due = this.items.filter((i) => Date.parse(i.dueAt) <= now);
    if (due.length) {
      this.remove((i) => due.includes(i));
      this.version++;
    }
    return due;
  }

  private remove(match: (item: ScheduledRevocation) => boolean): void {
    for (let i = this.items.length - 1; i >= 0; i--) if (match(this.items[i]!)) this.items.splice(i, 1);
  }
}

function same(a: Pick<ScheduledRevocation, 'appId' | 'entitlement'>, b: typeof a): boolean {
  return a.appId === b.appId && a.entitlement === b.entitlement;
}
