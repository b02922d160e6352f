// The approval request as the API answers it (domain/lifecycle.ts ApprovalRequest).
import { z } from 'zod';
import type { ApprovalRequest } from '../../domain/lifecycle';
import { RISK_LEVELS } from '../../domain/policy-schema';

const refusal = z.object({ approver: z.string(), at: z.string(), why: z.string() });

// Loose: fields the workflow adds later still reach clients; the domain type keeps the described
// ones honest (a missing or retyped field fails the typecheck).
export const approvalRequestSchema: z.ZodType<ApprovalRequest> = z
  .looseObject({
    requestId: z.string(),
    employeeId: z.string(),
    eventId: z.string(),
    appId: z.string(),
    entitlement: z.string(),
    risk: z.enum(RISK_LEVELS),
    status: z.enum(['pending', 'approved', 'denied', 'withdrawn']),
    step: z.number().int(),
    stepLabel: z.string(),
    approvers: z.array(z.string()),
    requestedAt: z.string(),
    stepDeadline: z.string().optional(),
    reminders: z.number().int(),
    escalations: z.number().int(),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    decidedVia: z.string().optional(),
    reason: z.string().optional(),
    rejectedDecisions: z.array(refusal),
  })
  .meta({ id: 'ApprovalRequest' });
