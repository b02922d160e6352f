// Lifecycle vocabulary shared by the workflow and its clients: stages, per-app progress, reports.
import type { AppState } from './app-state';
import type { DeprovisionMode } from './config';
import type { RiskLevel } from './policy-schema';
import type { HrEvent, HrEventType } from './hr-event';
import type { AccessPlan } from './policy';

export const LIFECYCLE_STAGES = ['pending', 'joining', 'active', 'moving', 'leaving', 'left'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** One workflow per person; the id carries the employee id only, never PII. */
export function identityWorkflowId(employeeId: string): string {
  return `identity-${employeeId}`;
}

/**
 * `stalled`: the application has not answered for a while (a hung connection) while jml still waits;
 * `unverifiable`: the application could not show everything (memberships not visible, an account
 * that cannot be tied to anyone); `held-by-other`: the account with the person's userName is someone
 * else's and was not touched. Both need a person (NeedsAttention), and neither counts as verified.
 * `skipped`: an operator set a leaver's application aside with a justification; it is never called
 * verified, and a follow-up retries it until it is.
 */
export const APP_STEP_STATUSES = [
  'working',
  'stalled',
  'verified',
  'failing',
  'unverifiable',
  'held-by-other',
  'skipped',
] as const;
export type AppStepStatus = (typeof APP_STEP_STATUSES)[number];

/** Where one application stands in the current joiner, mover or leaver step. */
export interface AppProgress {
  appId: string;
  status: AppStepStatus;
  attempts: number;
  /** Last error or verification gap, for operators. */
  lastProblem?: string;
  verifiedAt?: string;
  /** While jml waits for the application's answer: since when (the current attempt's start). */
  callingSince?: string;
}

/** Evidence that one application no longer gives the leaver any access. */
export interface LeaverAppReport {
  appId: string;
  /**
   * `verified`: read back (or attested) clean. `held-by-other`: the account with the person's
   * userName belongs to someone else (`heldBy`); it was not touched and the person holds nothing there.
   * `skipped`: an operator set it aside (`skip`); nothing is verified, and `verifiedState` is only what
   * the application last showed. Its follow-up is in the report's `followUps` once it verified it.
   */
  outcome: 'verified' | 'held-by-other' | 'skipped';
  heldBy?: string;
  skip?: SkipDecision;
  deprovision: DeprovisionMode;
  revoked: string[];
  disabled: boolean;
  deleted: boolean;
  sessionsEnded: number;
  attempts: number;
  /** What the application answered when read back after deprovisioning (manual: what was attested). */
  verifiedState: AppState;
  verifiedAt: string;
  evidence: Evidence;
  /** Manual applications: who attested the work. */
  attestation?: Attestation;
}

/**
 * What a verification rests on: the application read back, a person's attestation (applications
 * without an API), or jml's own record (a manual application where jml holds nothing to change).
 */
export type Evidence = 'read-back' | 'attestation' | 'record';

export interface LeaverReport {
  eventId: string;
  startedAt: string;
  completedAt: string;
  policyVersion: string;
  applications: LeaverAppReport[];
  /** The skipped applications, as their follow-ups later verified them. */
  followUps?: LeaverAppReport[];
}

/** An operator asks to set one of a leaver's applications aside, from the Temporal UI, the CLI or the API. */
export interface SkipRequest {
  appId: string;
  /** Why it cannot be fixed now: mandatory. */
  reason: string;
  /** Who decided: their name or employee id, as they give it. */
  by: string;
}

/** A skip as the workflow took it: who, why, through which door, when. */
export interface SkipDecision extends SkipRequest {
  /** `temporal-ui` (the signal) or `api` (the update behind the CLI and the HTTP API). */
  via: string;
  at: string;
}

/** Evidence that one application holds what the plan says. */
export interface JoinerAppReport {
  appId: string;
  created: boolean;
  granted: string[];
  attempts: number;
  /** What the application answered when read back (manual: what was attested). */
  verifiedState: AppState;
  verifiedAt: string;
  evidence: Evidence;
  /** Manual applications: who attested the work. */
  attestation?: Attestation;
  /**
   * A joiner's account found holding what the plan does not justify (an existing account jml adopted):
   * removed before the person is active; privileged access comes back only through approval.
   */
  removed?: string[];
}

export interface JoinerReport {
  eventId: string;
  startedAt: string;
  completedAt: string;
  plan: AccessPlan;
  applications: JoinerAppReport[];
  /** Privileged grants and how they were decided. */
  approvals: ApprovalRequest[];
  /** What the person holds after this step, per application (approved privileged grants included). */
  granted: Record<string, string[]>;
  /** Access the applications showed that the plan does not justify: reported, not silently kept. */
  drift: Record<string, string[]>;
  /** Old-role access a mover keeps during the overlap, and when it goes. */
  revokeLater: ScheduledRevocation[];
}

/** Why access is removed at a set time rather than at once. */
export type ScheduledReason = 'expiry' | 'mover-overlap';

/** Access to be removed at a set time: time-bound privilege, or a mover's old access after the overlap. */
export interface ScheduledRevocation {
  appId: string;
  entitlement: string;
  reason: ScheduledReason;
  dueAt: string;
  /** What set the clock: the approval request (expiry) or the HR event (mover overlap). */
  source: string;
}

/** Evidence that scheduled access was removed (read back) or kept because the current plan justifies it. */
export interface RevocationRecord extends ScheduledRevocation {
  outcome: 'revoked' | 'kept';
  at: string;
  attempts: number;
  /** What the application answered when read back; absent when the access was kept. */
  verifiedState?: AppState;
  /** Manual applications: who attested the work. */
  attestation?: Attestation;
}

/** What a manual application's fulfillers need to know, carried in the plan's application list. */
export interface ManualFulfilment {
  fulfillers: string[];
  escalateTo: string[];
  taskTimeoutMs: number;
  /** `when-granted`: a leaver's task only where jml's record shows access; `always`: for every leaver. */
  leaverTask: 'when-granted' | 'always';
}

/** Work a person does by hand in an application without an API. */
export interface ManualWork {
  grant: string[];
  revoke: string[];
  /** For a leaver: disable or delete the account and remove everything it holds. */
  deprovision?: DeprovisionMode;
}

/** A task for a human, open until someone allowed to attests that it is done. */
export interface ManualTask extends ManualWork {
  taskId: string;
  employeeId: string;
  /** The HR event, approval request or schedule that needs the work. */
  source: string;
  appId: string;
  /** In words, what to do. */
  instructions: string;
  status: 'open' | 'done' | 'withdrawn';
  /** Who may attest now: the fulfillers, and after an escalation the escalation contacts too. */
  assignees: string[];
  openedAt: string;
  deadline: string;
  escalations: number;
  completedBy?: string;
  completedAt?: string;
  /** How the attestation was authenticated, as for approval decisions. */
  completedVia?: string;
  note?: string;
  /** Completions that were refused (not an assignee, the person themselves), for the audit trail. */
  rejectedCompletions: { by: string; at: string; why: string }[];
}

/** Someone says a manual task is done (the `taskDone` signal and `completeTask` update argument). */
export interface TaskCompletion {
  taskId: string;
  /** Employee id of the person who did the work. */
  by: string;
  note?: string;
  /** How the front door authenticated it (set by the front door). */
  via?: string;
}

export interface Attestation {
  taskId: string;
  by: string;
  at: string;
  note?: string;
}

export function describeManualWork(work: ManualWork): string {
  const parts: string[] = [];
  if (work.deprovision) {
    parts.push(`${work.deprovision} the account and remove every access it holds`);
    if (work.revoke.length) parts.push(`(jml's record: ${work.revoke.join(', ')})`);
    return parts.join(' ');
  }
  if (work.grant.length) parts.push(`create the account if missing and grant ${work.grant.join(', ')}`);
  if (work.revoke.length) parts.push(`revoke ${work.revoke.join(', ')}`);
  return parts.join('; ');
}

export const EVENT_OUTCOMES = [
  'completed',
  'cancelled',
  'superseded',
  'duplicate',
  'stale',
  'merged',
] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export interface ProcessedEvent {
  /** The HR event's id, or a reconciliation finding's (`drift`). */
  eventId: string;
  type: HrEventType | 'drift';
  source: string;
  /**
   * `stale`: refused, it occurred before the person's last termination; `merged`: a further
   * termination of someone already terminated, covered by that leaver and its report.
   */
  outcome: EventOutcome;
  at: string;
}

/** An approver's decision on one request (the `decision` signal and `decide` update argument). */
export interface ApprovalDecision {
  requestId: string;
  approve: boolean;
  /** Employee id of the approver. */
  approver: string;
  reason?: string;
  /** How the front door authenticated the decision (set by the front door, not by the approver). */
  via?: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'withdrawn';

/** A privileged grant waiting for (or past) a human decision. */
export interface ApprovalRequest {
  requestId: string;
  employeeId: string;
  eventId: string;
  appId: string;
  entitlement: string;
  risk: RiskLevel;
  status: ApprovalStatus;
  /** Index of the current step in the chain, and in words who it asks. */
  step: number;
  stepLabel: string;
  /** Who may decide now. */
  approvers: string[];
  requestedAt: string;
  stepDeadline?: string;
  reminders: number;
  escalations: number;
  decidedBy?: string;
  decidedAt?: string;
  /** How the decision was authenticated: "personal token", "API token", or "temporal" (signal or update sent directly). */
  decidedVia?: string;
  reason?: string;
  /** Decisions that were refused (wrong approver, already decided), for the audit trail. */
  rejectedDecisions: { approver: string; at: string; why: string }[];
}

export type MessageKind = 'apr' | 'task';

/**
 * Ids of approval requests (`apr-…`) and manual tasks (`task-…`): `<kind>-<employment>-<n>-<employeeId>`.
 * The employment part comes from the workflow's first run, so it differs after a rehire and a decision
 * meant for an earlier employment never reaches a new request; the employee id lets front doors route
 * a decision without a lookup.
 */
export function messageId(
  kind: MessageKind,
  employment: string,
  sequence: number,
  employeeId: string,
): string {
  return `${kind}-${employment}-${sequence}-${employeeId}`;
}

export function employeeIdOf(kind: MessageKind, id: string): string | undefined {
  return new RegExp(`^${kind}-[0-9a-f]{8}-\\d+-([A-Za-z0-9][A-Za-z0-9._-]*)$`).exec(id)?.[1];
}

/** The employment part of message ids: eight hex digits of the first run id of the identity workflow. */
export function employmentOf(firstRunId: string): string {
  return firstRunId
    .replace(/[^0-9a-f]/gi, '')
    .slice(0, 8)
    .toLowerCase()
    .padEnd(8, '0');
}

export interface IdentityStatus {
  employeeId: string;
  stage: LifecycleStage;
  /** In words: what the workflow is doing or waiting for. */
  waitingFor: string;
  needsAttention: boolean;
  current?: { eventId: string; type: HrEventType; effectiveAt?: string };
  queued: { eventId: string; type: HrEventType; effectiveAt?: string }[];
  plan?: AccessPlan;
  apps: AppProgress[];
  approvals: ApprovalRequest[];
  /** Manual work asked of people, open and done. */
  tasks: ManualTask[];
  /** Access that will be removed at a set time. */
  scheduled: ScheduledRevocation[];
  /** The latest scheduled removals and their evidence. */
  revocations: RevocationRecord[];
  lastJoiner?: JoinerReport;
  lastLeaver?: LeaverReport;
  history: ProcessedEvent[];
}

/** What the workflow returns when the person has left and every application is verified clean. */
export interface IdentityResult {
  employeeId: string;
  stage: 'left';
  leaver: LeaverReport;
  /** Every event id this run (and the runs it remembers) processed, refused ones included. */
  processedEventIds: string[];
  /** When the last accepted termination occurred (its `occurredAt`). */
  lastTerminationAt?: string;
}

/** What a new run is told of the person's last finished run, so old events cannot act again. */
export interface EmploymentMemory {
  processedEventIds: string[];
  lastTerminationAt?: string;
}

/** When the events that bound the current employment occurred. */
export interface EmploymentBounds {
  /** The last accepted termination. */
  lastTerminationAt?: string;
  /** The hire or rehire that began the current employment. */
  employmentStartedAt?: string;
}

/**
 * An event that belongs to an earlier employment is an old one re-sent: a hire, change or rehire that
 * occurred before the last termination (a termination is final for its employment; only a later
 * event — a rehire — starts anew), or a termination that occurred before the current employment began.
 */
export function isStale(event: Pick<HrEvent, 'type' | 'occurredAt'>, bounds: EmploymentBounds): boolean {
  const at = Date.parse(event.occurredAt);
  if (event.type === 'terminate') {
    return bounds.employmentStartedAt !== undefined && at < Date.parse(bounds.employmentStartedAt);
  }
  return bounds.lastTerminationAt !== undefined && at <= Date.parse(bounds.lastTerminationAt);
}
