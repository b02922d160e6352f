// Comparing a roster with what its source's roster last told jml: which events it becomes, and ids
// that the same roster always makes again, so a repeated or resumed import sends nothing twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rosterEventId, rowHash, snapshotId } from '../../api/roster-ids';
import { hashRows, planEvent, type PlannedEvent } from '../../api/roster-plan';
import { hrEventSchema } from '../../domain/hr-event';
import type { RosterEmployee } from '../../domain/roster';
import { diffRoster, type RosterPerson } from '../../domain/roster-diff';

const SOURCE = 'workday';
const AT = '2026-12-01T09:00:00.000Z';

const person = (id: string, extra: Partial<RosterEmployee> = {}): RosterEmployee => ({
  id,
  userName: `user.${id}`,
  email: `${id.toLowerCase()}@example.com`,
  givenName: 'Given',
  familyName: 'Family',
  department: 'Engineering',
  title: 'Engineer',
  location: 'Berlin',
  employmentType: 'employee',
  ...extra,
});

/** What an import plans against the people recorded so far. */
function plan(
  people: Iterable<RosterPerson>,
  roster: RosterEmployee[],
  returning: string[] = [],
): PlannedEvent[] {
  return diffRoster(people, hashRows(roster)).map((d) =>
    planEvent(d, { source: SOURCE, occurredAt: AT, returning: new Set(returning) }),
  );
}

/** Records every planned event as accepted, as the import does one by one. */
function record(people: Map<string, RosterPerson>, planned: PlannedEvent[]): Map<string, RosterPerson> {
  for (const { after } of planned) people.set(after.employeeId, after);
  return people;
}

const summary = (planned: PlannedEvent[]) => planned.map((p) => `${p.event.type} ${p.event.employee.id}`);

void test("a source's first roster hires everyone; the same roster again finds no difference", () => {
  const roster = [person('E1'), person('E2'), person('E3')];
  const first = plan([], roster);
  assert.deepEqual(summary(first), ['hire E1', 'hire E2', 'hire E3']);
  for (const { event } of first) {
    assert.ok(hrEventSchema.safeParse(event).success, `a valid HR event: ${JSON.stringify(event)}`);
    assert.equal(event.source, SOURCE);
    assert.equal(event.occurredAt, AT);
    assert.match(event.eventId, /^roster-hire-[0-9a-f]{32}$/);
  }
  const people = record(new Map(), first);
  assert.deepEqual(plan(people.values(), roster), []);
  assert.deepEqual(plan(people.values(), [...roster].reverse()), [], 'the order of the rows does not matter');
});

void test('the same roster against the same record makes the same events, ids included', () => {
  const roster = [person('E1'), person('E2', { effectiveAt: '2026-12-15T09:00:00+01:00' })];
  assert.deepEqual(
    plan([], roster).map((p) => p.event),
    plan([], structuredClone(roster)).map((p) => p.event),
  );
  const ids = new Set(plan([], roster).map((p) => p.event.eventId));
  assert.equal(ids.size, 2, 'one id per person');
});

void test('a changed row is a change naming its fields; a missing person is terminated, now and not urgent', () => {
  const people = record(new Map(), plan([], [person('E1'), person('E2'), person('E3')]));
  const next = [
    person('E1', { department: 'Sales', title: 'Account Executive' }),
    person('E3'),
    person('E4'),
  ];
  const planned = plan(people.values(), next);
  assert.deepEqual(summary(planned), ['terminate E2', 'change E1', 'hire E4']);
  const [terminate, change] = planned;
  assert.deepEqual(change!.changed, ['department', 'title']);
  assert.equal(change!.event.employee.department, 'Sales');
  assert.equal(terminate!.event.urgent, false);
  assert.equal(terminate!.event.effectiveAt, undefined, 'effective now');
  assert.deepEqual(terminate!.event.employee, person('E2'), 'the person as the roster last sent them');
  assert.deepEqual(terminate!.after, { employeeId: 'E2', status: 'terminated', eventsSent: 2 });
  assert.equal(
    'row' in terminate!.after,
    false,
    'no personal data is kept for someone the roster terminated',
  );
  for (const { event } of planned) assert.ok(hrEventSchema.safeParse(event).success);
});

void test("a row's effectiveAt is when its event takes effect, and not part of the employee", () => {
  const start = '2027-01-04T09:00:00+01:00';
  const [hire] = plan([], [person('E1', { effectiveAt: start })]);
  assert.equal(hire!.event.effectiveAt, start);
  assert.equal('effectiveAt' in hire!.event.employee, false);
  const people = record(new Map(), [hire!]);
  const [moved] = plan(people.values(), [person('E1', { effectiveAt: '2027-01-11T09:00:00+01:00' })]);
  assert.equal(moved!.event.type, 'change', 'a start date moved is a change');
  assert.deepEqual(moved!.changed, ['effectiveAt']);
});

void test('someone the roster terminated comes back as a rehire, under a new id even with the same row', () => {
  const people = record(new Map(), plan([], [person('E1'), person('E2')]));
  const [firstHire] = plan([], [person('E2')]);
  record(people, plan(people.values(), [person('E1')]));
  const [back] = plan(people.values(), [person('E1'), person('E2')]);
  assert.equal(back!.event.type, 'rehire');
  assert.notEqual(back!.event.eventId, firstHire!.event.eventId);
  assert.equal(back!.after.eventsSent, 3);
});

void test('a newcomer jml knows has left is rehired; other newcomers are hired', () => {
  assert.deepEqual(summary(plan([], [person('E1'), person('E2')], ['E2'])), ['hire E1', 'rehire E2']);
});

void test('a row changed and changed back makes a new event each time', () => {
  const people = record(new Map(), plan([], [person('E1')]));
  const ids: string[] = [];
  for (const department of ['Sales', 'Engineering', 'Sales']) {
    const planned = plan(people.values(), [person('E1', { department })]);
    assert.deepEqual(summary(planned), ['change E1']);
    ids.push(planned[0]!.event.eventId);
    record(people, planned);
  }
  assert.equal(new Set(ids).size, 3, ids.join(' '));
});

void test('an import that stopped half-way sends, when run again, exactly the events it had not recorded', () => {
  const people = record(new Map(), plan([], [person('E1'), person('E2'), person('E3'), person('E4')]));
  const next = [person('E1', { title: 'Lead' }), person('E2', { title: 'Lead' }), person('E5'), person('E6')];
  const planned = plan(people.values(), next);
  assert.deepEqual(summary(planned), [
    'terminate E3',
    'terminate E4',
    'change E1',
    'change E2',
    'hire E5',
    'hire E6',
  ]);
  record(people, planned.slice(0, 3));
  const rest = plan(people.values(), next);
  assert.deepEqual(
    rest.map((p) => p.event),
    planned.slice(3).map((p) => p.event),
  );
  record(people, rest);
  assert.deepEqual(plan(people.values(), next), []);
});

void test('row hashes ignore key order; event ids follow source, person, count, type and row', () => {
  const a = person('E1', { managerId: 'E0' });
  const reordered = Object.fromEntries(Object.entries(a).reverse()) as RosterEmployee;
  assert.equal(rowHash(a), rowHash(reordered));
  assert.notEqual(rowHash(a), rowHash(person('E1')));
  const base = rosterEventId(SOURCE, 'E1', 0, 'hire', rowHash(a));
  assert.equal(rosterEventId(SOURCE, 'E1', 0, 'hire', rowHash(reordered)), base);
  for (const other of [
    rosterEventId('bamboohr', 'E1', 0, 'hire', rowHash(a)),
    rosterEventId(SOURCE, 'E2', 0, 'hire', rowHash(a)),
    rosterEventId(SOURCE, 'E1', 1, 'hire', rowHash(a)),
    rosterEventId(SOURCE, 'E1', 0, 'rehire', rowHash(a)),
    rosterEventId(SOURCE, 'E1', 0, 'hire', rowHash(person('E1'))),
  ]) {
    assert.notEqual(other, base);
  }
  const rows = [
    { employeeId: 'E1', hash: rowHash(a) },
    { employeeId: 'E2', hash: rowHash(person('E2')) },
  ];
  assert.equal(snapshotId(SOURCE, rows), snapshotId(SOURCE, [...rows].reverse()));
  assert.notEqual(snapshotId(SOURCE, rows), snapshotId(SOURCE, rows.slice(0, 1)));
  assert.match(snapshotId(SOURCE, rows), /^snapshot-[0-9a-f]{32}$/);
});
