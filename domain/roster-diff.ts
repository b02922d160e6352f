// What a new roster changes against what the source's roster told jml before: who is new, whose row
// changed, who is missing, and the HR event each of them becomes. Pure: the hashes and event ids are
// made by the caller (api/roster-ids.ts), which may use Node's crypto.
import type { Employee, HrEvent, HrEventType } from './hr-event';
import type { RosterEmployee } from './roster';

/** What the source's roster last told jml about one person. */
export interface RosterPerson {
  employeeId: string;
  /** `active`: in the roster as last sent; `terminated`: the roster dropped them and jml was told. */
  status: 'active' | 'terminated';
  /** The hash of their row as last sent (active only). */
  rowHash?: string;
  /** Their row as last sent (active only): a termination carries it, and a change names what moved. */
  row?: RosterEmployee;
  /** How many events the roster has sent for them; the next event's id counts on from it. */
  eventsSent: number;
}

/** A row of the new roster and the hash of its content (api/roster-ids.ts rowHash). */
export interface HashedRow {
  row: RosterEmployee;
  hash: string;
}

export type RosterDifference =
  /** Not in the roster as last sent: a hire, or a rehire when jml knows they left. */
  | { kind: 'new'; employeeId: string; row: HashedRow; before?: RosterPerson }
  | { kind: 'changed'; employeeId: string; row: HashedRow; before: RosterPerson; fields: string[] }
  | { kind: 'missing'; employeeId: string; before: RosterPerson };

/**
 * The differences, terminations first (so that a userName a leaver frees is freed before anyone
 * joins with it), then changes, then newcomers, each in the roster's order. An unchanged row is no
 * difference.
 */
export function diffRoster(before: Iterable<RosterPerson>, rows: readonly HashedRow[]): RosterDifference[] {
  const known = new Map<string, RosterPerson>();
  for (const person of before) known.set(person.employeeId, person);
  const present = new Set(rows.map(({ row }) => row.id));
  const missing: RosterDifference[] = [];
  for (const person of known.values()) {
    if (person.status === 'active' && !present.has(person.employeeId)) {
      missing.push({ kind: 'missing', employeeId: person.employeeId, before: person });
    }
  }
  const changed: RosterDifference[] = [];
  const added: RosterDifference[] = [];
  for (const row of rows) {
    const person = known.get(row.row.id);
    if (person?.status !== 'active') {
      added.push({ kind: 'new', employeeId: row.row.id, row, before: person });
    } else if (person.rowHash !== row.hash) {
      changed.push({
        kind: 'changed',
        employeeId: row.row.id,
        row,
        before: person,
        fields: changedFields(person.row, row.row),
      });
    }
  }
  return [...missing.sort((a, b) => a.employeeId.localeCompare(b.employeeId)), ...changed, ...added];
}

/** The fields whose values differ, in the roster's field order. */
function changedFields(before: RosterEmployee | undefined, after: RosterEmployee): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...keys].filter(
    (key) => before?.[key as keyof RosterEmployee] !== after[key as keyof RosterEmployee],
  );
}

/** The person as an HR event carries them: the row without its effective time. */
export function employeeOf(row: RosterEmployee): Employee {
  const { effectiveAt: _effectiveAt, ...employee } = row;
  return employee;
}

/**
 * The HR event a difference becomes. A newcomer is hired (or rehired: `rehire`) and a changed row is
 * a change, from the row's `effectiveAt`; a missing person is terminated, effective now and not
 * urgent (a roster that drops someone is no emergency, and the mass-termination guard sees it).
 */
export function rosterEvent(
  difference: RosterDifference,
  context: { eventId: string; source: string; occurredAt: string; rehire?: boolean },
): HrEvent {
  const common = { eventId: context.eventId, occurredAt: context.occurredAt, source: context.source };
  if (difference.kind === 'missing') {
    const row = difference.before.row;
    if (!row) throw new Error(`the roster holds no row for ${difference.employeeId} to terminate`);
    return { ...common, type: 'terminate', urgent: false, employee: employeeOf(row) };
  }
  const type: HrEventType = difference.kind === 'changed' ? 'change' : context.rehire ? 'rehire' : 'hire';
  const { effectiveAt } = difference.row.row;
  return {
    ...common,
    type,
    ...(effectiveAt ? { effectiveAt } : {}),
    employee: employeeOf(difference.row.row),
  };
}
