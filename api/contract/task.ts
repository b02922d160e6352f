// The manual task as the API answers it (domain/lifecycle.ts ManualTask).
import { z } from 'zod';
import { DEPROVISION_MODES } from '../../domain/config';
import type { ManualTask } from '../../domain/lifecycle';

const refusal = z.object({ by: z.string(), at: z.string(), why: z.string() });

// Loose for the same reason as ApprovalRequest: later fields still reach clients.
export const manualTaskSchema: z.ZodType<ManualTask> = z
  .looseObject({
    taskId: z.string(),
    employeeId: z.string(),
    source: z.string(),
    appId: z.string(),
    instructions: z.string(),
    status: z.enum(['open', 'done', 'withdrawn']),
    assignees: z.array(z.string()),
    openedAt: z.string(),
    deadline: z.string(),
    escalations: z.number().int(),
    grant: z.array(z.string()),
    revoke: z.array(z.string()),
    deprovision: z.enum(DEPROVISION_MODES).optional(),
    completedBy: z.string().optional(),
    completedAt: z.string().optional(),
    completedVia: z.string().optional(),
    note: z.string().optional(),
    rejectedCompletions: z.array(refusal),
  })
  .meta({ id: 'ManualTask' });
