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

export const employeeSchema = z.strictObject({
  id: employeeIdSchema,
  userName: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must be letters, digits, ".", "_", "@" or "-"'),
  email: z.email(),
  givenName: z.string().min(1).max(128),
  familyName: z.string().min(1).max(128),
  department: z.string().min(1).max(128),
  title: z.string().min(1).max(128),
  location: z.string().min(1).max(128),
  employmentType: z.enum(['employee', 'contractor', 'intern', 'temporary']),
  managerId: employeeIdSchema.optional(),
});
export type Employee = z.infer<typeof employeeSchema>;

const isoDateTime = z.iso.datetime({ offset: true });

export const hrEventSchema = z.strictObject({
  eventId: z.string().min(1).max(128),
  type: z.enum(HR_EVENT_TYPES),
  occurredAt: isoDateTime,
  /** When the change takes effect; absent means now. */
  effectiveAt: isoDateTime.optional(),
  /** Which HR system sent it, e.g. "workday". */
  source: z.string().min(1).max(64),
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
