// The error answers every route shares: a machine-readable `error`, a sentence for people, and for
// 400 the list of invalid fields, each named by its path.
import { z } from 'zod';

export const problemSchema = z.object({
  path: z.string().describe('the field, e.g. `employee.email`; `(root)` for the body as a whole'),
  message: z.string(),
});

export const errorSchema = z
  .object({
    error: z
      .string()
      .describe(
        'e.g. `invalid_event`, `unauthorized`, `not_found`, `temporal_unavailable`, `worker_unavailable`',
      ),
    message: z.string().optional(),
    problems: z.array(problemSchema).optional(),
    allow: z.string().optional().describe('for 405: the method this path takes'),
  })
  .meta({ id: 'Error' });

const described = (description: string) => errorSchema.describe(description);

/** Answers any route may give. */
export const commonErrors = {
  400: described('invalid request: `problems` names every invalid field'),
  413: described('body larger than `http.maxBodyBytes`'),
  414: described('a path parameter longer than 1000 characters'),
  503: described(
    'Temporal is unreachable or did not answer in time, or no worker polls the task queue; retry after `Retry-After` seconds',
  ),
} as const;

/** Answers of the routes that take a bearer token. */
export const bearerErrors = {
  ...commonErrors,
  401: described('missing, wrong, expired or forged bearer token'),
  403: described('a personal token acting beyond its holder'),
} as const;

export const notFound = described('no such person, request or task');
export const refused = described('refused by the workflow: the message says why');
