// An operator's skip as a front door: the person's workflow is sent its `skipApp` update, whose
// validator refuses at once a skip that cannot be taken (no leaver running, the application already
// verified, no justification). The answer is the skip as the workflow put it on record.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { appIdSchema } from '../domain/app-id';
import type { SkipDecision } from '../domain/lifecycle';
import { skipUpdate } from '../workflows/messages';
import { updateIdentity, type UpdateOutcome } from './identity-messages';

export const skipBodySchema = z.strictObject({
  // Application ids as the configuration spells them (domain/config.ts).
  appId: appIdSchema,
  reason: z
    .string()
    .trim()
    .min(1, 'a justification is mandatory')
    .max(2000)
    .describe('why the application cannot be fixed now; on the record and on the certificate'),
  by: z.string().trim().min(1).max(128).describe('who decides: their name or employee id'),
});
export type SkipBody = z.infer<typeof skipBodySchema>;

export function skipApplication(
  client: Client,
  employeeId: string,
  body: SkipBody,
): Promise<UpdateOutcome<SkipDecision>> {
  return updateIdentity(
    client,
    employeeId,
    skipUpdate,
    body,
    `no running identity workflow for ${employeeId}`,
  );
}
