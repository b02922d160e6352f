// The access policy, kept in git beside the configuration: which entitlements exist in each
// application and how risky they are, who must approve the privileged ones, and which roles (matched
// on HR attributes) justify which entitlements.
import { z } from 'zod';
import { durationSchema } from './duration';
import { employeeIdSchema } from './hr-event';
import { reportDuplicateIds } from './unique-ids';
import { appIdSchema as appId } from './app-id';

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Risk levels that may never be granted without an approval chain. */
export const PRIVILEGED_RISKS: readonly RiskLevel[] = ['high', 'critical'];

/** One step of an approval chain: who may decide at that step. */
export const approverStepSchema = z.union([
  z.literal('manager'),
  z.literal('owner'),
  z.strictObject({ group: z.string().min(1) }),
  z.strictObject({ employee: employeeIdSchema }),
]);
export type ApproverStep = z.infer<typeof approverStepSchema>;

const approvalSchema = z.strictObject({
  /** Asked in order; a step that times out escalates to the next; the chain exhausted means denied. */
  chain: z.array(approverStepSchema).min(1),
  /** How long each step has to decide. Default: 2d. */
  stepTimeout: durationSchema.default(2 * 86_400_000),
  /** When to remind the current approvers; default: half the step timeout. */
  reminderAfter: durationSchema.optional(),
});

const entitlementSchema = z.strictObject({
  description: z.string().optional(),
  risk: z.enum(RISK_LEVELS).default('low'),
  approval: approvalSchema.optional(),
  /** Approved access ends by itself this long after it was granted; asking again needs a new approval. */
  maxDuration: durationSchema.optional(),
});

const attributeMatch = z.array(z.string().min(1)).min(1).optional();
const roleSchema = z.strictObject({
  id: z.string().min(1),
  description: z.string().optional(),
  /** Every listed attribute must match one of its values; an empty `when` matches everyone. */
  when: z
    .strictObject({
      department: attributeMatch,
      title: attributeMatch,
      location: attributeMatch,
      employmentType: attributeMatch,
    })
    .default({}),
  /** Entitlements per application id; each must be declared under `applications`. */
  grants: z.record(appId, z.array(z.string().min(1)).min(1)),
});

/** Builds the schema; with the configured application ids, it also checks every app is known. */
export function makePolicySchema(configuredApps?: string[]) {
  return z
    .strictObject({
      /** Human version of the policy (e.g. a date or a release number), recorded in every plan. */
      version: z.string().min(1).max(64),
      approverGroups: z.record(z.string().min(1), z.array(employeeIdSchema).min(1)).default({}),
      applications: z.record(
        appId,
        z.strictObject({
          /** Employee ids of the application owners: the `owner` approval step. */
          owners: z.array(employeeIdSchema).default([]),
          entitlements: z.record(z.string().min(1), entitlementSchema),
        }),
      ),
      roles: z.array(roleSchema).default([]),
    })
    .superRefine((policy, ctx) => {
      for (const [app, spec] of Object.entries(policy.applications)) {
        if (configuredApps && !configuredApps.includes(app)) {
          ctx.addIssue({
            code: 'custom',
            path: ['applications', app],
            message: `"${app}" is not a configured application`,
          });
        }
        for (const [name, entitlement] of Object.entries(spec.entitlements)) {
          const path = ['applications', app, 'entitlements', name];
          const approval = entitlement.approval;
          if (approval?.reminderAfter !== undefined && approval.reminderAfter >= approval.stepTimeout) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'approval', 'reminderAfter'],
              message:
                'must be shorter than stepTimeout, or the reminder would come after the step has escalated',
            });
          }
          if (entitlement.maxDuration !== undefined && !entitlement.approval) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'maxDuration'],
              message:
                'time-bound access is granted by approval: add an approval chain, or remove maxDuration',
            });
          }
          if (PRIVILEGED_RISKS.includes(entitlement.risk) && !entitlement.approval) {
            ctx.addIssue({
              code: 'custom',
              path,
              message: `a ${entitlement.risk}-risk entitlement needs an approval chain`,
            });
          }
          entitlement.approval?.chain.forEach((step, i) => {
            if (typeof step === 'object' && 'group' in step && !policy.approverGroups[step.group]) {
              ctx.addIssue({
                code: 'custom',
                path: [...path, 'approval', 'chain', i],
                message: `unknown approver group "${step.group}"`,
              });
            }
            if (step === 'owner' && spec.owners.length === 0) {
              ctx.addIssue({
                code: 'custom',
                path: [...path, 'approval', 'chain', i],
                message: `application "${app}" has no owners`,
              });
            }
          });
        }
      }
      reportDuplicateIds('roles', policy.roles, 'role', ctx);
      policy.roles.forEach((role, i) => {
        for (const [app, entitlements] of Object.entries(role.grants)) {
          const declared = policy.applications[app]?.entitlements;
          entitlements.forEach((name, j) => {
            if (!declared?.[name]) {
              ctx.addIssue({
                code: 'custom',
                path: ['roles', i, 'grants', app, j],
                message: `entitlement "${name}" is not declared under applications.${app}.entitlements`,
              });
            }
          });
        }
      });
    });
}

export type Policy = z.output<ReturnType<typeof makePolicySchema>>;
export type RoleRule = Policy['roles'][number];
