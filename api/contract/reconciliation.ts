// The reconciliation report as the API answers it (domain/reconciliation.ts ReconciliationReport): ids
// and entitlement names only, never a name, an email or a userName.
import { z } from 'zod';
import { ITEM_OUTCOMES, RECONCILIATION_CLASSES } from '../../domain/reconciliation';

const classCounts = z
  .object(Object.fromEntries(RECONCILIATION_CLASSES.map((c) => [c, z.number().int()])))
  .describe('findings per class: `orphan`, `unlinked`, `drift`, `missing`');
const outcomeCounts = z
  .object(Object.fromEntries(ITEM_OUTCOMES.map((o) => [o, z.number().int()])))
  .describe(
    'findings by how they stand: `reported` only, `pending` remediation, remediated and `verified`, remediated and `not-verified`',
  );

export const reconciliationItemSchema = z
  .object({
    appId: z.string(),
    accountId: z
      .string()
      .describe("the application's own id for the account (SCIM id, LDAP DN): how a person finds it there"),
    employeeId: z.string().optional().describe('the owner the account names; absent for an unlinked account'),
    class: z.enum(RECONCILIATION_CLASSES),
    active: z.boolean().describe('whether the account could sign in when listed'),
    entitlements: z
      .array(z.string())
      .describe(
        'drift: what the plan does not justify; missing: what the account lacks; others: what it holds',
      ),
    reason: z.string(),
    action: z.enum(['remediate', 'report']),
    outcome: z.enum(ITEM_OUTCOMES),
    detail: z.string().optional().describe('what was done, or why nothing was, or why it is not verified'),
    remediation: z
      .object({ eventId: z.string().optional(), findingId: z.string().optional() })
      .optional()
      .describe('the termination (orphan) or drift finding (drift, missing) sent'),
  })
  .meta({ id: 'ReconciliationItem' });

export const appReconciliationSchema = z.object({
  appId: z.string(),
  listing: z
    .enum(['complete', 'unverifiable', 'failed', 'cannot-list'])
    .describe(
      '`unverifiable`: some page could not show everything, so the application is never called clean',
    ),
  problems: z.array(z.string()),
  accounts: z.number().int(),
  pages: z.number().int(),
  counts: classCounts,
  outcomes: outcomeCounts,
  startedAt: z.string(),
  listedAt: z.string().optional(),
  finishedAt: z.string(),
});

export const reconciliationReportSchema = z
  .object({
    runId: z.string().describe("the run's workflow id"),
    trigger: z.string().describe('`schedule` or `request`'),
    status: z.enum(['running', 'finished']),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    applications: z.array(appReconciliationSchema).describe('empty while the run is under way'),
    counts: classCounts.optional(),
    outcomes: outcomeCounts,
    clean: z
      .boolean()
      .optional()
      .describe('true only when every application was listed completely and nothing was found'),
    items: z
      .array(reconciliationItemSchema)
      .describe('the findings so far, in application and account order'),
    itemCount: z
      .number()
      .int()
      .describe('every finding of the run (more than `items` when `limit` cut them short)'),
  })
  .meta({ id: 'ReconciliationReport' });

export const reconciliationStartedSchema = z.object({
  runId: z.string(),
  workflowId: z.string(),
  appId: z.string().optional(),
});
