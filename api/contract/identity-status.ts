// A person's status as the API answers it (domain/lifecycle.ts IdentityStatus): what operators and
// tools read is described field by field; the evidence reports are outlined to their identifying
// fields, since their full shape is the workflow's (and loose objects let every field through).
import { z } from 'zod';
import { HR_EVENT_TYPES } from '../../domain/hr-event';
import type { AccessPlan } from '../../domain/policy';
import {
  APP_STEP_STATUSES,
  EVENT_OUTCOMES,
  LIFECYCLE_STAGES,
  type IdentityStatus,
  type JoinerReport,
  type LeaverReport,
  type RevocationRecord,
  type ScheduledRevocation,
} from '../../domain/lifecycle';
import { approvalRequestSchema } from './approval';
import { manualTaskSchema } from './task';

/** A schema that documents part of a domain type and lets the rest through unchecked. */
function outline<T>(schema: z.ZodType): z.ZodType<T> {
  return schema as z.ZodType<T>;
}

const eventRef = z.object({
  eventId: z.string(),
  type: z.enum(HR_EVENT_TYPES),
  effectiveAt: z.string().optional(),
});

const appProgress = z.looseObject({
  appId: z.string(),
  status: z.enum(APP_STEP_STATUSES),
  attempts: z.number().int(),
  lastProblem: z.string().optional(),
  verifiedAt: z.string().optional(),
  callingSince: z.string().optional(),
});

const appReports = z.array(z.looseObject({ appId: z.string() }));

const plan = outline<AccessPlan>(
  z.looseObject({
    policyVersion: z.string(),
    roles: z.array(z.string()),
    apps: z.record(z.string(), z.array(z.string())),
  }),
);

const joinerReport = outline<JoinerReport>(
  z.looseObject({
    eventId: z.string(),
    startedAt: z.string(),
    completedAt: z.string(),
    applications: appReports,
  }),
);

const leaverReport = outline<LeaverReport>(
  z.looseObject({
    eventId: z.string(),
    startedAt: z.string(),
    completedAt: z.string(),
    policyVersion: z.string(),
    applications: appReports,
  }),
);

const scheduled = outline<ScheduledRevocation>(
  z.looseObject({ appId: z.string(), entitlement: z.string(), dueAt: z.string() }),
);
const revocation = outline<RevocationRecord>(
  z.looseObject({ appId: z.string(), entitlement: z.string(), outcome: z.enum(['revoked', 'kept']) }),
);

export const identityStatusSchema: z.ZodType<IdentityStatus> = z
  .looseObject({
    employeeId: z.string(),
    stage: z.enum(LIFECYCLE_STAGES),
    waitingFor: z.string().describe('in words, what the workflow is doing or waiting for'),
    needsAttention: z.boolean(),
    current: eventRef.optional(),
    queued: z.array(eventRef),
    plan: plan.optional(),
    apps: z.array(appProgress),
    approvals: z.array(approvalRequestSchema),
    tasks: z.array(manualTaskSchema),
    scheduled: z.array(scheduled),
    revocations: z.array(revocation),
    lastJoiner: joinerReport.optional(),
    lastLeaver: leaverReport.optional(),
    history: z.array(
      z.looseObject({
        eventId: z.string().describe("the HR event's id, or a reconciliation finding's"),
        type: z.enum([...HR_EVENT_TYPES, 'drift']),
        source: z.string(),
        outcome: z.enum(EVENT_OUTCOMES),
        at: z.string(),
      }),
    ),
  })
  .meta({ id: 'IdentityStatus' });
