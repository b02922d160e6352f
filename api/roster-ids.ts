// The hashes a roster import is built on. They are derived only from what the roster says and what it
// told jml before, never from the clock, so importing the same roster again makes the same ids: a
// repeated event is one the person's workflow has already seen, and ignores.
import { createHash } from 'node:crypto';
import type { HrEventType } from '../domain/hr-event';
import type { RosterEmployee } from '../domain/roster';
import { canonicalJson } from '../evidence/canonical-json';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hash of one row's content (canonical JSON, so key order and absent values do not count). */
export function rowHash(row: RosterEmployee): string {
  return sha256(canonicalJson(row));
}

/**
 * The id of the next event the roster of `source` sends for a person: `roster-<type>-<32 hex>`, over
 * the source, the employee id, how many events the roster sent them before (so a rehire after a
 * termination, or a row changed back, is a new event), the type and the row it carries (none for a
 * termination). An import that stops half-way and runs again sends the same ids for what it had not
 * yet recorded as sent.
 */
export function rosterEventId(
  source: string,
  employeeId: string,
  eventsSentBefore: number,
  type: HrEventType,
  hash: string | undefined,
): string {
  const digest = sha256(
    canonicalJson(['jml-roster-event', source, employeeId, eventsSentBefore, type, hash ?? null]),
  );
  return `roster-${type}-${digest.slice(0, 32)}`;
}

/** The id of a roster's content: the same people with the same rows, in any order, make the same id. */
export function snapshotId(source: string, rows: readonly { employeeId: string; hash: string }[]): string {
  const sorted = rows.map((r) => [r.employeeId, r.hash]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return `snapshot-${sha256(canonicalJson(['jml-roster-snapshot', source, sorted])).slice(0, 32)}`;
}
