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

export type PeriodOrProblem = { period: Period } | { problem: { path: string; message: string } };

const EARLIEST = Date.parse('1970-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The period from two bounds already checked by periodBoundSchema, or what is wrong with them, named
 * as the caller calls them (`--from` on the command line).
 */
export function periodOf(from: string, to: string, names = { from: 'from', to: 'to' }): PeriodOrProblem {
  const start = Date.parse(from);
  const end = Date.parse(to);
  for (const [path, time] of [
    [names.from, start],
    [names.to, end],
  ] as const) {
    if (!(time >= EARLIEST && time <= LATEST)) {
      return { problem: { path, message: 'must be between 1970-01-01 and 9999-12-31' } };
    }
  }
  const until = Math.min(end + (DAY.safeParse(to).success ? 86_400_000 : 1), LATEST);
  if (start >= until) return { problem: { path: names.to, message: `must not be before ${names.from}` } };
  return { period: { from: new Date(start), to: new Date(until) } };
}

/**
 * The period as the API takes it: bounds outside 1970–9999 are held to them (no evidence is older or
 * newer), and a `to` before `from` is an empty period rather than an error — every well-formed
 * request has an answer.
 */
export function lenientPeriodOf(from: string, to: string): Period {
  const clamp = (time: number) => Math.min(Math.max(time, EARLIEST), LATEST);
  const start = clamp(Date.parse(from));
  const until = clamp(Date.parse(to) + (DAY.safeParse(to).success ? 86_400_000 : 1));
  return { from: new Date(start), to: new Date(Math.max(start, until)) };
}

/** An optional window as the API takes it (`jml audit verify` through a running jml): each bound alone is allowed. */
export function lenientWindowOf(from?: string, to?: string): { from?: Date; to?: Date } {
  if (from === undefined && to === undefined) return {};
  const period = lenientPeriodOf(from ?? '1970-01-01', to ?? '9999-12-31');
  return { ...(from !== undefined && { from: period.from }), ...(to !== undefined && { to: period.to }) };
}
