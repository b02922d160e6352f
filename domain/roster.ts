// The roster: a full snapshot of one HR source's active employees, as HR systems export it (CSV with
// a header row, or JSON), validated row by row. A malformed roster is reported whole — every problem,
// each at its CSV line or JSON index and field — and nothing of it is applied. Pure: no I/O.
import type { z } from 'zod';
import { employeeSchema, hrEventSchema, type Employee } from './hr-event';
import { isBlank, parseCsv } from './roster-csv';

/**
 * One active employee: the fields of an HR event's `employee`, and `effectiveAt`, when this row's
 * state takes effect (a new employee's first day, a changed row's effective time; absent or past:
 * now). `effectiveAt` is part of the row: moving it is a change.
 */
export const rosterEmployeeSchema = employeeSchema.extend({
  effectiveAt: hrEventSchema.shape.effectiveAt.describe(
    "when this row takes effect (a new employee's start, a change's effective time); absent: now",
  ),
});
export type RosterEmployee = z.infer<typeof rosterEmployeeSchema>;

/** Which HR system the roster comes from: each source has a snapshot of its own. */
export const rosterSourceSchema = hrEventSchema.shape.source;

/** The columns of a CSV roster (and the keys of a JSON one), in the order the README lists them. */
export const ROSTER_FIELDS = Object.keys(rosterEmployeeSchema.shape) as (keyof RosterEmployee)[];
const REQUIRED_FIELDS = ROSTER_FIELDS.filter(
  (f) => !rosterEmployeeSchema.shape[f].safeParse(undefined).success,
);

/** Where a problem is: a CSV line (1 is the header) or a JSON array index; the field when there is one. */
export interface RosterProblem {
  line?: number;
  index?: number;
  field?: string;
  message: string;
}

export type RosterReading =
  { ok: true; employees: RosterEmployee[] } | { ok: false; problems: RosterProblem[] };

/** `line 5: email: Invalid email address`, `index 3: id: …`, `line 1: …`. */
export function describeRosterProblem(problem: RosterProblem): string {
  const where =
    problem.line !== undefined
      ? `line ${problem.line}`
      : problem.index !== undefined
        ? `index ${problem.index}`
        : 'roster';
  return `${where}: ${problem.field ? `${problem.field}: ` : ''}${problem.message}`;
}

type Place = Pick<RosterProblem, 'line' | 'index'>;

/** Validates rows one by one, so every row's problems are found, then looks for ids and userNames twice. */
function readRows(rows: { place: Place; value: unknown; empty?: ReadonlySet<string> }[]): RosterReading {
  const problems: RosterProblem[] = [];
  const employees: RosterEmployee[] = [];
  for (const { place, value, empty } of rows) {
    const parsed = rosterEmployeeSchema.safeParse(value);
    if (parsed.success) {
      employees.push(parsed.data);
      continue;
    }
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ ...place, field: key, message: 'not a roster field' });
        continue;
      }
      const field = issue.path.map(String).join('.') || undefined;
      const message = field && empty?.has(field) ? 'required, but empty' : issue.message;
      problems.push({ ...place, field, message });
    }
  }
  if (rows.length === 0) {
    problems.push({ message: 'no employees: an empty roster would terminate everyone, so it is refused' });
  }
  // Also among rows with other problems, as long as their id or userName is itself valid.
  for (const { index, field, first } of repeatedKeys(rows.map(({ value }) => validKeys(value)))) {
    const earlier = rows[first]!.place;
    const at = earlier.line !== undefined ? `line ${earlier.line}` : `index ${earlier.index}`;
    problems.push({ ...rows[index]!.place, field, message: `the same ${field} as ${at}` });
  }
  if (problems.length) return { ok: false, problems: sortByPlace(problems) };
  return { ok: true, employees };
}

/** The row's id and userName, where each is valid on its own. */
function validKeys(value: unknown): Partial<Pick<Employee, 'id' | 'userName'>> {
  const row = (value ?? {}) as Record<string, unknown>;
  const id = rosterEmployeeSchema.shape.id.safeParse(row.id);
  const userName = rosterEmployeeSchema.shape.userName.safeParse(row.userName);
  return { ...(id.success ? { id: id.data } : {}), ...(userName.success ? { userName: userName.data } : {}) };
}

/**
 * Rows whose id or userName an earlier row already has (by position). Two rows for one person cannot
 * both be the snapshot; two people with one userName would meet in every application.
 */
export function repeatedKeys(
  employees: readonly Partial<Pick<Employee, 'id' | 'userName'>>[],
): { index: number; field: 'id' | 'userName'; first: number }[] {
  const found: { index: number; field: 'id' | 'userName'; first: number }[] = [];
  for (const field of ['id', 'userName'] as const) {
    const seen = new Map<string, number>();
    employees.forEach((employee, index) => {
      const key = employee[field];
      if (key === undefined) return;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else found.push({ index, field, first });
    });
  }
  return found.sort((a, b) => a.index - b.index);
}

function sortByPlace(problems: RosterProblem[]): RosterProblem[] {
  const key = (p: RosterProblem) => p.line ?? p.index ?? -1;
  return problems
    .map((p, order) => ({ p, order }))
    .sort((a, b) => key(a.p) - key(b.p) || a.order - b.order)
    .map(({ p }) => p);
}

/**
 * A CSV roster: a header row naming the columns (ROSTER_FIELDS, any order; `managerId` and
 * `effectiveAt` may be left out), then one row per employee. An empty cell is an absent value; blank
 * lines are skipped.
 */
export function rosterFromCsv(text: string): RosterReading {
  const { records, problems: csvProblems } = parseCsv(text);
  const problems: RosterProblem[] = csvProblems.map(({ line, message }) => ({ line, message }));
  const content = records.filter((record) => !isBlank(record));
  const header = content.shift();
  if (!header) {
    return { ok: false, problems: [...problems, { message: 'no header row: the file is empty' }] };
  }
  const columns = header.fields.map((name) => name.trim());
  const known = new Set<string>(ROSTER_FIELDS);
  columns.forEach((name, i) => {
    if (!known.has(name)) {
      problems.push({
        line: header.line,
        field: name || `column ${i + 1}`,
        message: `not a roster column (columns: ${ROSTER_FIELDS.join(', ')})`,
      });
    } else if (columns.indexOf(name) !== i) {
      problems.push({ line: header.line, field: name, message: 'this column is named twice' });
    }
  });
  for (const name of REQUIRED_FIELDS) {
    if (!columns.includes(name)) problems.push({ line: header.line, field: name, message: 'column missing' });
  }
  // Without a usable header, the rows cannot be read field by field.
  if (problems.some((p) => p.line === header.line)) return { ok: false, problems: sortByPlace(problems) };

  const rows = content.flatMap((record) => {
    if (record.fields.length !== columns.length) {
      problems.push({
        line: record.line,
        message: `${record.fields.length} fields, but the header has ${columns.length}`,
      });
      return [];
    }
    const value: Record<string, string> = {};
    const empty = new Set<string>();
    columns.forEach((name, i) => {
      const cell = record.fields[i]!;
      if (cell === '') empty.add(name);
      else value[name] = cell;
    });
    return [{ place: { line: record.line }, value, empty }];
  });
  const reading = readRows(rows);
  if (reading.ok && problems.length === 0) return reading;
  const rowProblems = reading.ok ? [] : reading.problems;
  // An empty roster is only worth saying when no row was dropped for its shape.
  const said = rows.length === 0 && content.length > 0 ? rowProblems.filter((p) => p.line) : rowProblems;
  return { ok: false, problems: sortByPlace([...problems, ...said]) };
}

/** A JSON roster: an array of employees, or `{ "employees": [...] }`. */
export function rosterFromJson(value: unknown): RosterReading {
  let rows: unknown = value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const extra = Object.keys(value).filter((key) => key !== 'employees');
    if (extra.length || !('employees' in value)) {
      const problems: RosterProblem[] = extra.map((key) => ({
        field: key,
        message: 'not a roster key (a JSON roster is an array of employees, or {"employees": [...]})',
      }));
      if (!('employees' in value)) problems.push({ field: 'employees', message: 'missing' });
      return { ok: false, problems };
    }
    rows = value.employees;
  }
  if (!Array.isArray(rows)) {
    return {
      ok: false,
      problems: [{ message: 'a JSON roster is an array of employees, or {"employees": [...]}' }],
    };
  }
  return readRows((rows as unknown[]).map((row, index) => ({ place: { index }, value: row })));
}
