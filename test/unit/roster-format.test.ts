// The roster format: CSV with a header row, or JSON; a malformed roster names every problem at its
// CSV line or JSON index and field, and yields no employees at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeRosterProblem,
  ROSTER_FIELDS,
  rosterFromCsv,
  rosterFromJson,
  type RosterReading,
} from '../../domain/roster';

const HEADER = 'id,userName,email,givenName,familyName,department,title,location,employmentType';
const row = (id: string, extra = '') =>
  `${id},user.${id},${id.toLowerCase()}@example.com,Given,Family,Engineering,Engineer,Berlin,employee${extra}`;

function problems(reading: RosterReading): string[] {
  assert.equal(reading.ok, false, 'the roster is refused');
  return reading.ok ? [] : reading.problems.map(describeRosterProblem);
}

void test('the example roster reads: optional columns may be empty, quoted fields keep their commas', () => {
  const reading = rosterFromCsv(readFileSync(join(__dirname, '..', '..', 'examples', 'roster.csv'), 'utf8'));
  assert.ok(reading.ok, JSON.stringify(reading));
  assert.deepEqual(
    reading.employees.map((e) => [e.id, e.title, e.managerId, e.effectiveAt]),
    [
      ['E1001', 'Software Engineer', 'E0001', undefined],
      ['E1003', 'Engineer, Cryptography', 'E0001', undefined],
      ['E1004', 'Account Executive', 'E0001', '2026-12-01T09:00:00-05:00'],
    ],
  );
  assert.equal('effectiveAt' in reading.employees[0]!, false, 'an empty cell is an absent value');
});

void test('columns may come in any order and the optional ones may be left out', () => {
  const reading = rosterFromCsv(
    'employmentType,location,title,department,familyName,givenName,email,userName,id\n' +
      'intern,Lyon,Intern,Sales,Curie,Marie,marie@example.com,marie.curie,E7\n',
  );
  assert.ok(reading.ok, JSON.stringify(reading));
  assert.deepEqual(reading.employees, [
    {
      id: 'E7',
      userName: 'marie.curie',
      email: 'marie@example.com',
      givenName: 'Marie',
      familyName: 'Curie',
      department: 'Sales',
      title: 'Intern',
      location: 'Lyon',
      employmentType: 'intern',
    },
  ]);
  assert.deepEqual(ROSTER_FIELDS.slice(-2), ['managerId', 'effectiveAt']);
});

void test('every invalid row is named by its line and field, all at once, and nothing is read', () => {
  const csv = [
    HEADER,
    row('E1'),
    row('E2').replace('e2@example.com', 'not-an-email'),
    row('E1').replace('Given', '').replace('employee', 'boss'),
    '',
    'E4,"short,row"',
    row('E5').replace('user.E5', 'user.E1'),
    `"E6","user.E6","e6@example.com","Given","Fam""ily","Engineering","Engineer","Berlin","employee"`,
  ].join('\n');
  assert.deepEqual(problems(rosterFromCsv(csv)), [
    'line 3: email: Invalid email address',
    'line 4: givenName: required, but empty',
    'line 4: employmentType: Invalid option: expected one of "employee"|"contractor"|"intern"|"temporary"',
    'line 4: id: the same id as line 2',
    'line 4: userName: the same userName as line 2',
    'line 6: 2 fields, but the header has 9',
    'line 7: userName: the same userName as line 2',
  ]);
});

void test('a header that is not the roster format is refused before any row is read', () => {
  assert.deepEqual(
    problems(rosterFromCsv(`${HEADER.replace('email', 'mail')},id,salary\n${row('E1')},x,y\n`)),
    [
      'line 1: mail: not a roster column (columns: id, userName, email, givenName, familyName, department, title, location, employmentType, managerId, effectiveAt)',
      'line 1: id: this column is named twice',
      'line 1: salary: not a roster column (columns: id, userName, email, givenName, familyName, department, title, location, employmentType, managerId, effectiveAt)',
      'line 1: email: column missing',
    ],
  );
});

void test('CSV that is not well formed is reported at its line alongside the rows', () => {
  const csv = `${HEADER}\n${row('E1').replace('Family', 'Fam"ily')}\n${row('E2').replace('Given', '')}\n`;
  assert.deepEqual(problems(rosterFromCsv(csv)), [
    'line 2: a " inside an unquoted field: quote the field and double the " inside it',
    'line 3: givenName: required, but empty',
  ]);
});

void test('an empty file, or a header alone, is refused: an empty roster would terminate everyone', () => {
  assert.deepEqual(problems(rosterFromCsv('')), ['roster: no header row: the file is empty']);
  assert.deepEqual(problems(rosterFromCsv(`${HEADER}\r\n\r\n`)), [
    'roster: no employees: an empty roster would terminate everyone, so it is refused',
  ]);
  assert.deepEqual(problems(rosterFromJson([])), [
    'roster: no employees: an empty roster would terminate everyone, so it is refused',
  ]);
});

const person = (id: string, extra: Record<string, unknown> = {}) => ({
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

void test('a JSON roster is an array of employees or {"employees": [...]}', () => {
  for (const value of [[person('E1'), person('E2')], { employees: [person('E1'), person('E2')] }]) {
    const reading = rosterFromJson(value);
    assert.ok(reading.ok, JSON.stringify(reading));
    assert.deepEqual(
      reading.employees.map((e) => e.id),
      ['E1', 'E2'],
    );
  }
});

void test('a JSON roster names each problem by its array index and field', () => {
  const value = [
    person('E1'),
    person('E2', { effectiveAt: 'next monday', salary: 1 }),
    'E3',
    person('E1', { userName: 'other' }),
  ];
  assert.deepEqual(problems(rosterFromJson(value)), [
    'index 1: effectiveAt: Invalid ISO datetime',
    'index 1: salary: not a roster field',
    'index 2: Invalid input: expected object, received string',
    'index 3: id: the same id as index 0',
  ]);
  assert.deepEqual(problems(rosterFromJson({ people: [] })), [
    'roster: people: not a roster key (a JSON roster is an array of employees, or {"employees": [...]})',
    'roster: employees: missing',
  ]);
  assert.deepEqual(problems(rosterFromJson({ employees: 'all' })), [
    'roster: a JSON roster is an array of employees, or {"employees": [...]}',
  ]);
});

void test('names are read as HR events read them: NFC, and no control characters', () => {
  const decomposed = 'Zoe\u0308';
  const reading = rosterFromJson([person('E1', { givenName: decomposed })]);
  assert.ok(reading.ok);
  assert.equal(reading.employees[0]!.givenName, 'Zoë');
  assert.deepEqual(problems(rosterFromJson([person('E1', { familyName: 'a\u202eb' })])), [
    'index 0: familyName: must not contain control characters or bidirectional overrides',
  ]);
});
