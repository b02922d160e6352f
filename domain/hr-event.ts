// The HR event contract: what an HR system (webhook, roster import, CLI) sends to jml.
import { z } from 'zod';

export const HR_EVENT_TYPES = ['hire', 'change', 'terminate', 'rehire'] as const;
export type HrEventType = (typeof HR_EVENT_TYPES)[number];

/** Employee ids become part of workflow ids, so they are restricted to a safe, PII-free alphabet. */
export const employeeIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"');

/**
 * A name or HR attribute as written to applications: no control characters (NUL, newlines) and no
 * bidirectional overrides (which make a name read differently from what it is), NFC-normalised.
 */
const humanText = z
  .string()
  .min(1)
  .max(128)
  .refine((value) => !/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(value), {
    message: 'must not contain control characters or bidirectional overrides',
  })
  .transform((value) => value.normalize('NFC'));

/** Ids and source names appear in logs and in the Temporal UI: a plain alphabet, so nothing in them is markup. */
const plainToken = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must be letters, digits, ".", "_", ":", "@" or "-"');

export const employeeSchema = z.strictObject({
  id: employeeIdSchema,
  userName: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must be letters, digits, ".", "_", "@" or "-"'),
  email: z.email(),
  givenName: humanText,
  familyName: humanText,
  department: humanText,
  title: humanText,
  location: humanText,
  employmentType: z.enum(['employee', 'contractor', 'intern', 'temporary']),
  managerId: employeeIdSchema.optional(),
});
export type Employee = z.infer<typeof employeeSchema>;

const isoDateTime = z.iso.datetime({ offset: true });

export const hrEventSchema = z.strictObject({
  eventId: plainToken(128),
  type: z.enum(HR_EVENT_TYPES),
  occurredAt: isoDateTime,
  /** When the change takes effect; absent means now. */
  effectiveAt: isoDateTime.optional(),
  /** Which HR system sent it, e.g. "workday". */
  source: plainToken(64),
  /** Only meaningful for terminations: run now, whatever effectiveAt says. */
  urgent: z.boolean().optional(),
  employee: employeeSchema,
});
export type HrEvent = z.infer<typeof hrEventSchema>;

/** One line per problem, each naming the field path, e.g. `employee.email: Invalid email address`. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}
