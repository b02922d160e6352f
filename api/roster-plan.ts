// The event each difference of a roster becomes, with its id, and the person as the roster leaves them
// once that event is accepted. No I/O: the import (roster-import.ts) asks Temporal who has left and
// sends the events; this decides what they are.
import type { HrEvent, HrEventType } from '../domain/hr-event';
import type { RosterEmployee } from '../domain/roster';
import { rosterEvent, type HashedRow, type RosterDifference, type RosterPerson } from '../domain/roster-diff';
import { rosterEventId, rowHash } from './roster-ids';

export interface PlannedEvent {
  difference: RosterDifference;
  event: HrEvent;
  /** The person as the roster leaves them once this event is accepted (what is then recorded). */
  after: RosterPerson;
  /** For a change: the fields that differ from the row as last sent. */
  changed?: string[];
}

export function hashRows(employees: readonly RosterEmployee[]): HashedRow[] {
  return employees.map((row) => ({ row, hash: rowHash(row) }));
}

/**
 * A newcomer is rehired when the roster itself terminated them before, or jml knows they left
 * (`returning`); otherwise hired. The id counts on from the events the roster sent them before.
 */
export function planEvent(
  difference: RosterDifference,
  context: { source: string; occurredAt: string; returning: ReadonlySet<string> },
): PlannedEvent {
  const { employeeId } = difference;
  const sentBefore = difference.before?.eventsSent ?? 0;
  const rehire =
    difference.kind === 'new' &&
    (difference.before?.status === 'terminated' || context.returning.has(employeeId));
  const type: HrEventType =
    difference.kind === 'missing'
      ? 'terminate'
      : difference.kind === 'changed'
        ? 'change'
        : rehire
          ? 'rehire'
          : 'hire';
  const hash = difference.kind === 'missing' ? undefined : difference.row.hash;
  const eventId = rosterEventId(context.source, employeeId, sentBefore, type, hash);
  const event = rosterEvent(difference, {
    eventId,
    source: context.source,
    occurredAt: context.occurredAt,
    rehire,
  });
  const after: RosterPerson =
    difference.kind === 'missing'
      ? { employeeId, status: 'terminated', eventsSent: sentBefore + 1 }
      : {
          employeeId,
          status: 'active',
          rowHash: difference.row.hash,
          row: difference.row.row,
          eventsSent: sentBefore + 1,
        };
  return {
    difference,
    event,
    after,
    ...(difference.kind === 'changed' ? { changed: difference.fields } : {}),
  };
}
