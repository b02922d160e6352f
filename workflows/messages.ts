// The identity workflow's public messages and search attributes, defined once for workflow and clients.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { HrEvent } from '../domain/hr-event';
import type {
  ApprovalDecision,
  ApprovalRequest,
  IdentityStatus,
  ManualTask,
  SkipDecision,
  SkipRequest,
  TaskCompletion,
} from '../domain/lifecycle';

/** An HR event for this person (sent with signalWithStart). */
export const hrEventSignal = defineSignal<[HrEvent]>('hrEvent');
/**
 * Operator: try a failing application again now instead of waiting for the next backoff. `by` names
 * who asked, for the evidence record; `via` is the door (`api`; absent: the Temporal UI).
 */
export const retrySignal = defineSignal<[{ appId?: string; by?: string; via?: string }]>('retry');
/**
 * Reconciliation found one application out of line with the person's plan. The workflow puts it right
 * as a step of its own, ordered with HR events, and verifies it by read-back; it re-checks both lists
 * against its current plan (it revokes nothing the plan justifies and grants nothing it does not). The
 * finding appears in the status `history` under its `findingId` once settled.
 */
export interface DriftFinding {
  /** Stable per reconciliation run, application and person: a repeat is ignored like a duplicate event. */
  findingId: string;
  appId: string;
  /** Entitlements the application shows that the plan does not justify, to remove. */
  revoke: string[];
  /** Entitlements the plan gives that the application lacks, to grant again. */
  grant: string[];
}
export const driftSignal = defineSignal<[DriftFinding]>('drift');
/**
 * Operator, from the Temporal UI: set one of a leaver's applications aside with a justification. The
 * leaver finishes with it `skipped` (never verified) and a follow-up retries it; invalid ones are ignored.
 */
export const skipSignal = defineSignal<[SkipRequest]>('skip');
/** The same skip as an update (the CLI and HTTP API): an invalid one is rejected at once with the reason. */
export const skipUpdate = defineUpdate<SkipDecision, [SkipRequest]>('skipApp');
export const statusQuery = defineQuery<IdentityStatus>('status');
/** An approver's decision, sent from the Temporal UI; invalid ones are recorded and ignored. */
export const decisionSignal = defineSignal<[ApprovalDecision]>('decision');
/** The same decision as an update: an invalid one is rejected at once with the reason. */
export const decideUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('decide');
/** Someone attests a manual task is done, from the Temporal UI; invalid ones are recorded and ignored. */
export const taskDoneSignal = defineSignal<[TaskCompletion]>('taskDone');
/** The same attestation as an update: someone who may not attest is rejected at once with the reason. */
export const completeTaskUpdate = defineUpdate<ManualTask, [TaskCompletion]>('completeTask');

export const EmployeeIdKey = defineSearchAttributeKey('EmployeeId', SearchAttributeType.KEYWORD);
export const LifecycleStageKey = defineSearchAttributeKey('LifecycleStage', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
export const PendingApprovalsKey = defineSearchAttributeKey('PendingApprovals', SearchAttributeType.INT);
export const OpenTasksKey = defineSearchAttributeKey('OpenTasks', SearchAttributeType.INT);

/** Registered on the dev server at start, and checked at worker start. */
export const SEARCH_ATTRIBUTES = [
  EmployeeIdKey,
  LifecycleStageKey,
  NeedsAttentionKey,
  PendingApprovalsKey,
  OpenTasksKey,
];

/** Each search attribute's type as the Temporal CLI spells it (`--search-attribute Name=Type`). */
export function cliTypeOf(key: (typeof SEARCH_ATTRIBUTES)[number]): string {
  return { KEYWORD: 'Keyword', BOOL: 'Bool', INT: 'Int' }[key.type];
}

export interface IdentitySettings {
  /** Provision a joiner this long before the start date. */
  joinerLeadTimeMs: number;
  /** Longest wait between two attempts at a failing application. */
  maxRetryIntervalMs: number;
  /** How long a mover keeps the old role's access after the new role's is granted. Default: 0. */
  moverOverlapMs?: number;
  /** How long after a termination's effective time every application must be verified. Default: 1h. */
  deprovisionDeadlineMs?: number;
}
