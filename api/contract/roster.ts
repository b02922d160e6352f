// The roster import as the API takes it (the rows are domain/roster.ts) and its answer.
import { z } from 'zod';
import { employeeSchema, HR_EVENT_TYPES } from '../../domain/hr-event';
import { rosterEmployeeSchema, rosterSourceSchema } from '../../domain/roster';
import type { IntakeResult } from '../intake';
import type { RosterImportResult } from '../roster-import';

export const rosterImportBody = z
  .strictObject({
    source: rosterSourceSchema.describe(
      'the HR system the roster comes from, e.g. `workday`: each source is compared with its own last roster',
    ),
    dryRun: z
      .boolean()
      .default(false)
      .describe('`true`: answer with the events the import would send, and send none'),
    employees: z
      .array(rosterEmployeeSchema.meta({ id: 'RosterEmployee' }))
      .min(1, 'no employees: an empty roster would terminate everyone, so it is refused')
      .describe(
        "every active employee of the source; an employee id or userName may appear once. Anyone the source's last roster listed and this one does not is terminated",
      ),
  })
  .meta({ id: 'RosterImport' });

const eventTypes = z.enum(HR_EVENT_TYPES);

const INTAKE_STATUSES = [
  'accepted',
  'duplicate',
  'stale',
  'held',
] as const satisfies readonly IntakeResult['status'][];
// A status the intake gains must be listed above, or this line does not compile.
const everyStatus: Exclude<IntakeResult['status'], (typeof INTAKE_STATUSES)[number]> extends never
  ? true
  : never = true;
void everyStatus;

// The events as sent, described without the input's normalising transforms (an answer is only written).
const text = z.string();
const sentEventSchema = z
  .object({
    eventId: text,
    type: eventTypes,
    occurredAt: text,
    effectiveAt: text.optional(),
    source: text,
    urgent: z.boolean().optional(),
    employee: z.object({
      id: text,
      userName: text,
      email: text,
      givenName: text,
      familyName: text,
      department: text,
      title: text,
      location: text,
      employmentType: z.enum(employeeSchema.shape.employmentType.options),
      managerId: text.optional(),
    }),
  })
  .meta({ id: 'RosterEvent' });

const summarySchema = z.object({
  eventId: z.string(),
  type: eventTypes,
  employeeId: z.string(),
  effectiveAt: z.string().optional(),
  changed: z.array(z.string()).optional().describe('for a change: the fields that differ'),
  status: z.enum(INTAKE_STATUSES).optional().describe("the intake's answer (not in a dry run)"),
  event: sentEventSchema.optional().describe('in a dry run: the whole event it would send'),
});

// Typed against the import's own result, so a new field cannot go undocumented.
export const rosterImportResultSchema: z.ZodType<RosterImportResult> = z
  .object({
    source: z.string(),
    dryRun: z.boolean(),
    snapshotId: z
      .string()
      .describe('the content of this roster: the same rows, in any order, make the same id'),
    previousSnapshotId: z.string().optional().describe("the source's last complete import"),
    employees: z.number().int(),
    counts: z.object({
      hire: z.number().int(),
      rehire: z.number().int(),
      change: z.number().int(),
      terminate: z.number().int(),
      unchanged: z.number().int(),
    }),
    complete: z
      .boolean()
      .describe(
        'every event was accepted and the snapshot recorded; false in a dry run, and when an event was `stale` (the next import sends it again)',
      ),
    events: z.array(summarySchema),
  })
  .meta({ id: 'RosterImportResult' });
