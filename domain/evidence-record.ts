// What one piece of evidence is, before the store chains it: the kinds of record a lifecycle step
// writes and the body each kind must have, validated with zod at the store's boundary. Pure, so
// workflows can build records and activities/evidence.ts can check them (evidence/ keeps them).
import { z } from 'zod';
import { EVENT_OUTCOMES } from './lifecycle';
import { employeeIdSchema, HR_EVENT_TYPES } from './hr-event';
import { appIdSchema } from './app-id';

export const EVIDENCE_KINDS = [
  'hr-event',
  'plan',
  'approval-request',
  'approval-decision',
  'task',
  'attestation',
  'app-operation',
  'read-back',
  'attention',
  'override',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The lifecycle step a record belongs to. */
export const EVIDENCE_STEPS = [
  'joiner',
  'mover',
  'leaver',
  'scheduled-revocation',
  'follow-up',
  /** A reconciliation's drift finding put right by the person's workflow. */
  'reconciliation',
] as const;
export type EvidenceStep = (typeof EVIDENCE_STEPS)[number];

const isoDateTime = z.iso.datetime({ offset: true });
/** Application ids as the configuration writes them (domain/config.ts). */
/** Ids from the workflow and the HR system (event, request and task ids): a plain alphabet. */
const plainId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must be letters, digits, ".", "_", ":", "@" or "-"');
/** Words for people (reasons, notes, problems): bounded, so a record stays a record. */
const text = z.string().max(2000);
const names = z.array(z.string().min(1).max(256));
const step = z.enum(EVIDENCE_STEPS);
/** How a front door authenticated the person acting: "API token", "personal token", "temporal". */
const via = z.string().min(1).max(64);
/** What an application showed (domain/app-state.ts); further fields are kept as they are. */
const appState = z.looseObject({
  exists: z.boolean(),
  active: z.boolean(),
  entitlements: names,
  openSessions: z.number().int().nonnegative().nullable(),
});

/** The body each kind of record carries. Top-level keys are strict: a misspelt field is an error. */
export const EVIDENCE_BODIES = {
  /** An HR event as jml received it. */
  'hr-event': z.strictObject({
    eventId: plainId,
    type: z.enum(HR_EVENT_TYPES),
    source: plainId,
    occurredAt: isoDateTime,
    receivedAt: isoDateTime,
    effectiveAt: isoDateTime.optional(),
    urgent: z.boolean().optional(),
    outcome: z.enum(EVENT_OUTCOMES).optional(),
    /** The step the event started, and when that step finished (every application verified or settled). */
    step: step.optional(),
    completedAt: isoDateTime.optional(),
    /** Terminations: the instant by which every application must be verified (lifecycle.deprovisionDeadline). */
    deadline: isoDateTime.optional(),
  }),
  /** The plan a step carries out, and the policy version that decided it (domain/policy.ts AccessPlan). */
  plan: z.strictObject({
    eventId: plainId,
    step,
    policyVersion: z.string().min(1).max(200),
    roles: names,
    apps: z.record(appIdSchema, names),
    entitlements: z.array(
      z.looseObject({ appId: appIdSchema, entitlement: z.string().min(1), risk: z.string().min(1) }),
    ),
  }),
  /** An approval request opened, reminded, escalated or withdrawn. */
  'approval-request': z.strictObject({
    requestId: plainId,
    eventId: plainId,
    change: z.enum(['opened', 'reminded', 'escalated', 'withdrawn']),
    entitlement: z.string().min(1).max(256),
    risk: z.string().min(1),
    /** Index of the chain step that asks, and in words who it asks. */
    step: z.number().int().nonnegative(),
    stepLabel: z.string().min(1).max(256),
    approvers: z.array(employeeIdSchema),
    deadline: isoDateTime.optional(),
    reason: text.optional(),
  }),
  /** A decision on a request: who, how authenticated, when; a refused one says why. */
  'approval-decision': z.strictObject({
    requestId: plainId,
    approve: z.boolean(),
    approver: employeeIdSchema,
    via,
    decidedAt: isoDateTime,
    reason: text.optional(),
    refused: text.optional(),
  }),
  /** A manual task opened, escalated or withdrawn (domain/lifecycle.ts ManualTask). */
  task: z.strictObject({
    taskId: plainId,
    source: plainId,
    change: z.enum(['opened', 'escalated', 'withdrawn']),
    grant: names,
    revoke: names,
    deprovision: z.enum(['disable', 'delete']).optional(),
    assignees: z.array(employeeIdSchema),
    deadline: isoDateTime,
  }),
  /** Someone says a manual task is done: who, how authenticated, when; a refused one says why. */
  attestation: z.strictObject({
    taskId: plainId,
    by: employeeIdSchema,
    via: via.optional(),
    at: isoDateTime,
    note: text.optional(),
    refused: text.optional(),
  }),
  /** What jml changed in one application in one step. */
  'app-operation': z.strictObject({
    step,
    operation: z.enum(['provision', 'revoke', 'deprovision', 'rename']),
    accountId: z.string().min(1).max(1024).optional(),
    created: z.boolean().optional(),
    granted: names.optional(),
    revoked: names.optional(),
    disabled: z.boolean().optional(),
    deleted: z.boolean().optional(),
    sessionsEnded: z.number().int().nonnegative().optional(),
    /** What the application showed before anything was changed. */
    before: appState.optional(),
    attempts: z.number().int().positive().optional(),
  }),
  /** What the application showed when read back, and whether that is what the step wanted. */
  'read-back': z.strictObject({
    step,
    state: appState,
    verified: z.boolean(),
    /** Why it is not (yet) what the step wanted; empty when verified. */
    gaps: z.array(text),
    verifiedAt: isoDateTime,
    /** What the verification rests on (domain/lifecycle.ts Evidence). */
    evidence: z.enum(['read-back', 'attestation', 'record']),
    /** `held-by-other`: the account is someone else's; nothing was touched and the person holds nothing there. */
    outcome: z.enum(['verified', 'held-by-other']).optional(),
    /** A mover's read-back: what the application showed beyond the plan (reported, not kept silently). */
    drift: names.optional(),
  }),
  /** A step flagged for a person: an application failing, stalled, unverifiable or held by someone else. */
  attention: z.strictObject({
    step,
    reason: z.enum([
      'failing',
      'stalled',
      'unverifiable',
      'held-by-other',
      'task-overdue',
      'deadline-missed',
    ]),
    attempts: z.number().int().nonnegative(),
    problem: text,
  }),
  /** An operator steered a step by hand (a retry now, a skip with a justification). */
  override: z.strictObject({
    /** `skip`: the application is left for a follow-up, never called verified; `retry`: tried again now. */
    action: z.enum(['skip', 'retry']),
    step: step.optional(),
    by: z.string().min(1).max(128),
    via,
    reason: text.optional(),
  }),
} satisfies Record<EvidenceKind, z.ZodType>;

/**
 * The idempotency key: the same step writing the same record again (an activity retried, a workflow
 * replayed) uses the same key, so it is written once. Printable ASCII without spaces.
 */
export const evidenceKeySchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const common = {
  key: evidenceKeySchema,
  employeeId: employeeIdSchema,
  /** The application the record is about; absent for the person's records (HR event, plan). */
  appId: appIdSchema.nullable().default(null),
  /** When it happened (workflow time), not when the store wrote it. */
  occurredAt: isoDateTime,
};

/**
 * A record as the store takes it: the envelope first, then the body against its kind's schema, so a
 * problem is reported at its path (`body.eventId: …`).
 */
export const evidenceInputSchema = z
  .strictObject({ ...common, kind: z.enum(EVIDENCE_KINDS), body: z.record(z.string(), z.unknown()) })
  .transform((record, ctx): ValidEvidence => {
    const body = EVIDENCE_BODIES[record.kind].safeParse(record.body);
    if (body.success) return { ...record, body: body.data };
    for (const issue of body.error.issues) {
      ctx.addIssue({ code: 'custom', path: ['body', ...issue.path], message: issue.message });
    }
    return z.NEVER;
  });

/** A record as a step hands it to the store (before validation: appId may be left out). */
export type EvidenceInput = {
  [K in EvidenceKind]: {
    key: string;
    employeeId: string;
    appId?: string | null;
    occurredAt: string;
    kind: K;
    body: z.input<(typeof EVIDENCE_BODIES)[K]>;
  };
}[EvidenceKind];

/** The record after validation. */
export interface ValidEvidence {
  key: string;
  employeeId: string;
  appId: string | null;
  occurredAt: string;
  kind: EvidenceKind;
  body: Record<string, unknown>;
}

/**
 * The key for one record of one step: `<workflowId>/<employment>/<step>/<appId or ->/<kind>`, where
 * the employment is the workflow's first run (domain/lifecycle.ts employmentOf), so a rehire's
 * records never collide with the earlier employment's, and `step` names the step uniquely within it
 * (the HR event id, an approval request or task id, with a suffix for a repeated kind).
 */
export function evidenceKey(parts: {
  workflowId: string;
  employment: string;
  step: string;
  appId?: string | null;
  kind: EvidenceKind;
}): string {
  return [parts.workflowId, parts.employment, parts.step, parts.appId ?? '-', parts.kind].join('/');
}

/** One chain per person: appends for different people never wait on one another. */
export function chainIdFor(employeeId: string): string {
  return `employee:${employeeId}`;
}
