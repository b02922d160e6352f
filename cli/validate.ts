// Command-line values checked with the same zod schemas the API uses, so a bad id or duration is
// refused before anything is sent (commander reports it as invalid input, exit 2).
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import { durationSchema } from '../domain/duration';
import { describeIssues } from '../domain/hr-event';

export function zodValue<T>(schema: z.ZodType<T>): (value: string) => T {
  return (value) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(
      describeIssues(parsed.error)
        .map((p) => p.message)
        .join('; '),
    );
  };
}

/** A duration such as 90s, 2m or 30d, in milliseconds; zero is refused, it would mean "never". */
export const positiveDuration = zodValue(
  durationSchema.refine((ms) => ms > 0, { message: 'must be longer than 0' }),
);
