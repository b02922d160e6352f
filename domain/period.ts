// A period asked for by an auditor: `from` starts at its day or instant; `to` takes in its whole day
// (a date) or its instant. The rule of `jml audit verify`, for the CLI's flags and the API's query.
import { z } from 'zod';

const DAY = z.iso.date();
const INSTANT = z.iso.datetime({ offset: true });

/** A date (`2026-11-01`, the whole day in UTC) or a date and time (`2026-11-01T09:00:00Z`). */
export const periodBoundSchema = z.union([DAY, INSTANT], {
  error: 'must be a date (2026-11-01) or a date and time (2026-11-01T09:00:00Z)',
});

export interface Period {
  /** Inclusive. */
  from: Date;
  /** Exclusive: just after the day or instant `to` named. */
  to: Date;
}

/** The period from two bounds already checked by periodBoundSchema; undefined when `to` is not after `from`. */
export function periodOf(from: string, to: string): Period | undefined {
  const start = new Date(from);
  const end = new Date(to);
  const until = new Date(end.getTime() + (DAY.safeParse(to).success ? 86_400_000 : 1));
  return start < until ? { from: start, to: until } : undefined;
}
