// The mass-termination guard's rules, pure: the sliding hour of admitted terminations, the limit
// (per hour, or a share of the workforce), what is held, and who may decide what is held. The
// guard workflow (workflows/termination-guard.ts) keeps the state; front doors validate with these.
import { z } from 'zod';
import { employeeIdSchema, type HrEvent } from './hr-event';

/** The window terminations are counted in: a sliding hour by the time the guard received them. */
export const GUARD_WINDOW_MS = 3_600_000;

/** The guard's configuration as the intake and the workflow use it (domain/config.ts `guard`). */
export interface TerminationGuardSettings {
  /** More non-urgent terminations than this admitted within the hour are held. */
  maxTerminationsPerHour: number;
  /** Also held: more than this percentage of the workforce within the hour. Absent: no share limit. */
  maxTerminationsPercent?: number;
  /** Employee ids of the people who may release or drop held terminations. */
  approvers: string[];
}

/** A termination the guard let through, remembered for the window (ids and time only). */
export interface AdmittedTermination {
  employeeId: string;
  eventId: string;
  /** When the guard received it, in ms since the epoch. */
  at: number;
}

/** A termination waiting for the guard's approvers; the event is forwarded as it came when released. */
export interface HeldTermination {
  /** `guard-<n>-<employeeId>`: names the hold in evidence and in decisions. */
  holdId: string;
  employeeId: string;
  eventId: string;
  heldAt: string;
  event: HrEvent;
}

/** What the workforce count was when it was last read (Temporal visibility, activities/termination-guard.ts). */
export interface WorkforceCount {
  count: number;
  countedAt: number;
}

export type Admission =
  { outcome: 'admitted'; counted: boolean; why: AdmittedWhy } | { outcome: 'held'; why: HeldWhy };
export type AdmittedWhy = 'within the limit' | 'urgent' | 'already admitted';
export type HeldWhy = 'over the limit' | 'others are held' | 'already held';

/** The admitted terminations still inside the window that ends at `now`. */
export function trimWindow(
  window: readonly AdmittedTermination[],
  now: number,
  windowMs = GUARD_WINDOW_MS,
): AdmittedTermination[] {
  return window.filter((entry) => now - entry.at < windowMs);
}

/**
 * How many terminations the window may hold: the hourly limit, lowered to the share of the workforce
 * when one is configured and the workforce is known. The share is rounded down but never below one,
 * so a small company can still let one person go without an approval.
 */
export function terminationLimit(
  settings: Pick<TerminationGuardSettings, 'maxTerminationsPerHour' | 'maxTerminationsPercent'>,
  workforce: number | undefined,
): number {
  const { maxTerminationsPerHour, maxTerminationsPercent } = settings;
  if (maxTerminationsPercent === undefined || workforce === undefined || workforce <= 0) {
    return maxTerminationsPerHour;
  }
  const share = Math.max(1, Math.floor((workforce * maxTerminationsPercent) / 100));
  return Math.min(maxTerminationsPerHour, share);
}

/**
 * Whether one termination goes on now or is held. Someone already admitted within the window is not
 * counted twice (a further termination is merged into their leaver). An urgent termination is always
 * admitted, and counted. While anything is held every other non-urgent termination is held too, so a
 * burst that slows down cannot slip past the guard once the first hour has passed.
 */
export function admission(
  state: { window: readonly AdmittedTermination[]; held: readonly HeldTermination[] },
  termination: { employeeId: string; eventId: string; urgent?: boolean },
  limit: number,
): Admission {
  if (state.held.some((h) => h.eventId === termination.eventId || h.employeeId === termination.employeeId)) {
    return { outcome: 'held', why: 'already held' };
  }
  if (state.window.some((a) => a.employeeId === termination.employeeId)) {
    return { outcome: 'admitted', counted: false, why: 'already admitted' };
  }
  if (termination.urgent) return { outcome: 'admitted', counted: true, why: 'urgent' };
  if (state.held.length > 0) return { outcome: 'held', why: 'others are held' };
  if (state.window.length >= limit) return { outcome: 'held', why: 'over the limit' };
  return { outcome: 'admitted', counted: true, why: 'within the limit' };
}

/** An approver's decision on held terminations (the `guardDecision` signal and `decideHeld` update). */
export interface GuardDecision {
  /** true: release them to their leavers; false: drop them (nothing of their access is touched). */
  approve: boolean;
  /** Employee id of the approver. */
  approver: string;
  reason?: string;
  /** Only these people's held terminations; absent: every termination held when the decision lands. */
  employeeIds?: string[];
  /** How the front door authenticated it (set by the front door; `temporal` for a signal sent directly). */
  via?: string;
}

/** The decision as the HTTP API and the CLI send it (`via` is the front door's to set). */
export const guardDecisionBodySchema = z.strictObject({
  approve: z.boolean(),
  approver: employeeIdSchema,
  reason: z.string().max(1000).optional(),
  employeeIds: z
    .array(employeeIdSchema)
    .min(1)
    // 500 of the longest ids fit the API's 64 KiB body limit; more are decided in several calls.
    .max(500)
    .optional()
    .describe('only these people (default: every held termination), at most 500 per decision'),
});

/**
 * Why a decision may not be carried out, or undefined when it may: only a guard approver decides,
 * never on their own termination, and only on terminations that are held.
 */
export function decisionRefusal(
  held: readonly HeldTermination[],
  approvers: readonly string[],
  decision: Pick<GuardDecision, 'approver' | 'employeeIds'>,
): string | undefined {
  if (approvers.length === 0) {
    return 'guard.approvers is empty: name the approvers in the configuration to decide held terminations';
  }
  if (!approvers.includes(decision.approver)) {
    return `${decision.approver} is not one of the guard's approvers (${approvers.join(', ')})`;
  }
  if (held.length === 0) return 'no termination is held';
  const heldIds = new Set(held.map((h) => h.employeeId));
  const notHeld = (decision.employeeIds ?? []).filter((id) => !heldIds.has(id));
  if (notHeld.length > 0) return `no termination is held for ${notHeld.join(', ')}`;
  const affected = decidedBy(held, decision);
  if (affected.some((h) => h.employeeId === decision.approver)) {
    return `${decision.approver} may not decide on their own termination`;
  }
  return undefined;
}

/** The held terminations a decision is about. */
export function decidedBy(
  held: readonly HeldTermination[],
  decision: Pick<GuardDecision, 'employeeIds'>,
): HeldTermination[] {
  if (!decision.employeeIds) return [...held];
  const named = new Set(decision.employeeIds);
  return held.filter((h) => named.has(h.employeeId));
}

/** The guard workflow's id for one deployment (task queue): one guard per jml. */
export function terminationGuardWorkflowId(taskQueue: string): string {
  return `termination-guard-${taskQueue}`;
}

/**
 * The guard's own task queue beside the service's: its workflow tasks never wait behind those of the
 * identity workflows a burst of terminations starts, so admissions answer in time.
 */
export function terminationGuardTaskQueue(taskQueue: string): string {
  return `${taskQueue}-guard`;
}

/** The guard's settings from the configuration, or undefined when it is turned off. */
export function guardSettingsOf(config: {
  guard: TerminationGuardSettings & { enabled: boolean };
}): TerminationGuardSettings | undefined {
  const { enabled, maxTerminationsPerHour, maxTerminationsPercent, approvers } = config.guard;
  if (!enabled) return undefined;
  return {
    maxTerminationsPerHour,
    ...(maxTerminationsPercent !== undefined ? { maxTerminationsPercent } : {}),
    approvers,
  };
}
