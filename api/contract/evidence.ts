// The evidence answers (domain/leaver-certificate.ts, domain/period-export.ts) described field by
// field: a revocation certificate, and the export of a period's lifecycle steps.
import { z } from 'zod';
import { HR_EVENT_TYPES } from '../../domain/hr-event';
import { CERTIFICATE_APP_OUTCOMES, CERTIFICATE_STATUSES } from '../../domain/leaver-certificate';
import { EVENT_OUTCOMES } from '../../domain/lifecycle';
import type { PeriodReport } from '../../domain/period-report';

const time = z.string().describe('ISO 8601, UTC');
const ms = z.number().describe('milliseconds');

const deadlineCheck = z
  .object({
    at: time,
    status: z
      .enum(['met', 'late', 'pending', 'overdue'])
      .describe('`overdue`: not verified and past the deadline; `pending`: not verified, the deadline ahead'),
    lateByMs: ms.optional().describe('late, overdue: by how much (overdue: so far)'),
    marginMs: ms.optional().describe('met: how long before the deadline; pending: how long is left'),
  })
  .meta({ id: 'DeadlineCheck' });

const shownState = z.object({
  exists: z.boolean(),
  active: z.boolean(),
  entitlements: z.array(z.string()),
  openSessions: z.number().int().nullable(),
});

const certificateApp = z.object({
  appId: z.string(),
  outcome: z
    .enum(CERTIFICATE_APP_OUTCOMES)
    .describe(
      '`skipped`: an operator skipped it; never called verified, even once a follow-up has verified it',
    ),
  removed: z.object({
    revoked: z.array(z.string()),
    disabled: z.boolean(),
    deleted: z.boolean(),
    sessionsEnded: z.number().int(),
  }),
  before: shownState.optional().describe('what the application showed before anything was changed'),
  attempts: z.number().int().optional(),
  verification: z
    .object({
      evidence: z.enum(['read-back', 'attestation', 'record']),
      state: shownState,
      verifiedAt: time,
    })
    .optional()
    .describe('what the verification rests on and what it saw (a skipped application: its follow-up’s)'),
  attestation: z
    .object({
      taskId: z.string(),
      by: z.string(),
      via: z.string().optional(),
      at: time,
      note: z.string().optional(),
    })
    .optional(),
  heldBy: z.string().optional().describe('held-by-other: whose the account is'),
  gaps: z.array(z.string()),
  attention: z.array(z.object({ reason: z.string(), problem: z.string(), at: time })),
  skip: z
    .object({
      by: z.string(),
      via: z.string(),
      reason: z.string().optional(),
      at: time,
      followUp: z.union([
        z.object({ verified: z.literal(true), verifiedAt: time }),
        z.object({ verified: z.literal(false) }),
      ]),
    })
    .optional(),
  verifiedAt: time.optional().describe('when the access was seen gone; absent while it is not'),
  fromReceivedMs: ms.optional(),
  fromEffectiveMs: ms.optional(),
  deadline: deadlineCheck.optional(),
});

export const leaverCertificateSchema = z
  .object({
    employeeId: z.string(),
    eventId: z.string(),
    source: z.string(),
    occurredAt: time,
    receivedAt: time,
    effectiveAt: time.optional(),
    urgent: z.boolean().optional(),
    completedAt: time.optional(),
    policyVersion: z.string().optional(),
    status: z.enum(CERTIFICATE_STATUSES),
    verifiedAt: time.optional().describe('when the last application was verified'),
    fromReceivedMs: ms.optional(),
    fromEffectiveMs: ms.optional(),
    deadline: deadlineCheck.optional(),
    deadlineMissedAt: time.optional(),
    counts: z.object({
      applications: z.number().int(),
      verified: z.number().int(),
      heldByOther: z.number().int(),
      skipped: z.number().int(),
      notYetVerified: z.number().int(),
    }),
    applications: z.array(certificateApp),
    evidence: z
      .object({
        chainId: z.string(),
        records: z.array(
          z.object({
            seq: z.number().int().optional(),
            hash: z.string().optional(),
            kind: z.string(),
            appId: z.string().nullable(),
          }),
        ),
      })
      .describe('the records of the leaver in its chain: `jml audit verify` checks them'),
    generatedAt: time,
  })
  .meta({ id: 'LeaverCertificate' });

export const exportRowSchema = z
  .object({
    employeeId: z.string(),
    step: z.enum(['joiner', 'mover', 'leaver']),
    eventId: z.string(),
    type: z.enum(HR_EVENT_TYPES),
    outcome: z.enum(EVENT_OUTCOMES).optional(),
    receivedAt: time,
    effectiveAt: time.optional(),
    completedAt: time.optional(),
    verifiedAt: time.optional().describe('leavers: when the last application was verified'),
    durationMs: ms
      .optional()
      .describe(
        'from the later of receivedAt and effectiveAt to completedAt (leavers: verifiedAt), at least 0',
      ),
    applications: z.number().int(),
    verified: z.number().int(),
    skipped: z.number().int(),
    heldByOther: z.number().int(),
    deadline: time.optional(),
    deadlineStatus: z.enum(['met', 'late', 'pending', 'overdue']).optional(),
    late: z.boolean().optional(),
    lateByMs: ms.optional(),
    policyVersion: z.string().optional(),
  })
  .meta({ id: 'EvidenceExportRow' });

export const periodExportSchema = z.object({
  from: time,
  to: time.describe('exclusive'),
  generatedAt: time,
  rows: z.array(exportRowSchema),
});

/** A period's figures (domain/period-report.ts), outlined: the sections are objects of counts. */
export const periodReportSchema = z
  .looseObject({
    from: time,
    to: time.describe('exclusive'),
    generatedAt: time,
    steps: z.record(z.string(), z.number().int()),
    timeToProvision: z.looseObject({}),
    timeToChange: z.looseObject({}),
    timeToDeprovision: z.looseObject({}),
    deadlines: z.looseObject({ met: z.number(), late: z.number(), pending: z.number(), overdue: z.number() }),
    verificationFailures: z.record(z.string(), z.looseObject({})),
    approvals: z.looseObject({ waiting: z.number() }),
    manualTasks: z.looseObject({ overdue: z.number() }),
    drift: z.record(z.string(), z.looseObject({})),
    overrides: z.object({ skips: z.number().int(), retries: z.number().int() }),
    skipped: z.array(z.looseObject({ employeeId: z.string(), appId: z.string() })),
    openFollowUps: z.array(z.looseObject({ employeeId: z.string(), appId: z.string() })),
  })
  .meta({ id: 'EvidenceReport' }) as unknown as z.ZodType<
  PeriodReport & { from: string; to: string; generatedAt: string }
>;

/** What a walk of the chains found (evidence/verify.ts VerifyReport). */
export const verifyReportSchema = z
  .object({
    intact: z.boolean().describe('every record and checkpoint fits'),
    from: time.optional(),
    to: time.optional(),
    chains: z.number().int(),
    records: z.number().int(),
    checkpoints: z.number().int(),
    problems: z
      .array(
        z.object({
          kind: z
            .string()
            .describe('edited, deleted, inserted, reordered, or a checkpoint that does not verify'),
          chainId: z.string(),
          seq: z.number().int(),
          recordId: z.string().optional(),
          checkpointId: z.string().optional(),
          message: z.string(),
        }),
      )
      .describe('the first problem of each chain that has one'),
  })
  .meta({ id: 'EvidenceVerifyReport' });
