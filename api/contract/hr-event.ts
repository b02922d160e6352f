// The HR event intake's answer (the event itself is domain/hr-event.ts).
import { z } from 'zod';
import type { IntakeResult } from '../intake';

// Typed against the intake's own result, so a new status cannot go undocumented.
export const intakeResultSchema: z.ZodType<IntakeResult & { eventId: string }> = z
  .object({
    workflowId: z.string(),
    eventId: z.string(),
    status: z
      .enum(['accepted', 'duplicate', 'stale', 'held'])
      .describe(
        "`accepted`: handed to the person's workflow, which processes each eventId once; " +
          "`duplicate`: the person's recorded employments already processed this eventId; " +
          "`stale`: it predates the person's last termination, so nothing was started; " +
          '`held`: a termination the mass-termination guard holds until a guard approver decides ' +
          '(GET /v1/guard); nothing of the access is touched meanwhile',
      ),
  })
  .meta({ id: 'IntakeResult' });
