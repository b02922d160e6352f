// The HR event contract: what is accepted, and how a rejection names the offending field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeIssues, employeeIdSchema, hrEventSchema, type HrEvent } from '../../domain/hr-event';

const valid: HrEvent = {
  eventId: 'evt-2024-0001',
  type: 'hire',
  occurredAt: '2024-05-01T09:00:00Z',
  effectiveAt: '2024-06-01T08:00:00+02:00',
  source: 'workday',
  urgent: false,
  employee: {
    id: 'E1001',
    userName: 'ada.lovelace@example.com',
    email: 'ada@example.com',
    givenName: 'Ada',
    familyName: 'Lovelace',
    department: 'Engineering',
    title: 'Staff Engineer',
    location: 'London',
    employmentType: 'employee',
    managerId: 'E0001',
  },
};

/** The issue paths of a rejected input; fails the test if the input was accepted. */
function rejectedPaths(input: unknown): string[] {
  const result = hrEventSchema.safeParse(input);
  assert.equal(result.success, false, 'input should have been rejected');
  return describeIssues(result.error).map((issue) => issue.path);
}

function withEmployee(changes: Record<string, unknown>): unknown {
  return { ...valid, employee: { ...valid.employee, ...changes } };
}

void describe('hrEventSchema', () => {
  void test('accepts a valid event unchanged', () => {
    assert.deepEqual(hrEventSchema.parse(valid), valid);
  });

  void test('accepts an event without the optional fields', () => {
    const { effectiveAt: _e, urgent: _u, ...rest } = valid;
    const { managerId: _m, ...employee } = valid.employee;
    assert.equal(hrEventSchema.safeParse({ ...rest, employee }).success, true);
  });

  void test('accepts every event type', () => {
    for (const type of ['hire', 'change', 'terminate', 'rehire']) {
      assert.equal(hrEventSchema.safeParse({ ...valid, type }).success, true, type);
    }
  });

  void test('an invalid email is named by its nested path', () => {
    assert.deepEqual(rejectedPaths(withEmployee({ email: 'not-an-email' })), ['employee.email']);
  });

  void test('an unknown event type is named `type`', () => {
    assert.deepEqual(rejectedPaths({ ...valid, type: 'fire' }), ['type']);
  });

  void test('an unknown extra key is rejected, at the object that holds it', () => {
    const top = hrEventSchema.safeParse({ ...valid, salary: 100 });
    assert.equal(top.success, false);
    assert.deepEqual(describeIssues(top.error), [{ path: '(root)', message: 'Unrecognized key: "salary"' }]);

    const nested = hrEventSchema.safeParse(withEmployee({ ssn: '123' }));
    assert.equal(nested.success, false);
    assert.deepEqual(describeIssues(nested.error), [
      { path: 'employee', message: 'Unrecognized key: "ssn"' },
    ]);
  });

  void test('employee ids with "/" or spaces are rejected, in the id and the manager id', () => {
    assert.deepEqual(rejectedPaths(withEmployee({ id: 'E/1001' })), ['employee.id']);
    assert.deepEqual(rejectedPaths(withEmployee({ id: 'E 1001' })), ['employee.id']);
    // Empty fails both the length and the alphabet rule, at the same path.
    assert.deepEqual([...new Set(rejectedPaths(withEmployee({ id: '' })))], ['employee.id']);
    assert.deepEqual(rejectedPaths(withEmployee({ managerId: '../E1' })), ['employee.managerId']);
  });

  void test('employeeIdSchema: safe alphabet, must start with a letter or digit, at most 64 long', () => {
    for (const ok of ['E1001', 'a.b_c-d', '0', 'x'.repeat(64)]) {
      assert.equal(employeeIdSchema.safeParse(ok).success, true, ok);
    }
    for (const bad of ['', '-E1', '.hidden', 'a/b', 'a b', 'é1', 'x'.repeat(65), 'a\nb']) {
      assert.equal(employeeIdSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  void test('NUL, newlines and bidirectional overrides in names are rejected, each at its field', () => {
    const employee = {
      ...valid.employee,
      givenName: 'Ada\u0000',
      familyName: 'Love\u202Elace',
      title: 'Staff\nEngineer',
      location: 'Lon\u2066don',
    };
    assert.deepEqual(rejectedPaths({ ...valid, employee }).sort(), [
      'employee.familyName',
      'employee.givenName',
      'employee.location',
      'employee.title',
    ]);
  });

  void test('names are NFC-normalised, so one name is one string', () => {
    const decomposed = 'Rene\u0301e';
    const parsed = hrEventSchema.parse({ ...valid, employee: { ...valid.employee, givenName: decomposed } });
    assert.equal(parsed.employee.givenName, 'Ren\u00e9e');
  });

  void test('event ids and sources carrying markup or spaces are rejected', () => {
    assert.deepEqual(rejectedPaths({ ...valid, eventId: 'evt **bold** | x', source: 'work day' }).sort(), [
      'eventId',
      'source',
    ]);
  });

  void test('a datetime without a time, or not a datetime, is rejected', () => {
    assert.deepEqual(rejectedPaths({ ...valid, occurredAt: '2024-05-01' }), ['occurredAt']);
    assert.deepEqual(rejectedPaths({ ...valid, occurredAt: 'yesterday' }), ['occurredAt']);
    assert.deepEqual(rejectedPaths({ ...valid, effectiveAt: '2024-13-01T00:00:00Z' }), ['effectiveAt']);
  });

  void test('every problem is reported, not only the first', () => {
    const paths = rejectedPaths({
      ...valid,
      type: 'promote',
      employee: { ...valid.employee, email: 'x', employmentType: 'volunteer' },
    });
    assert.deepEqual(paths.sort(), ['employee.email', 'employee.employmentType', 'type']);
  });

  void test('a missing required field is named', () => {
    const { source: _s, ...rest } = valid;
    assert.deepEqual(rejectedPaths(rest), ['source']);
  });
});

void describe('describeIssues', () => {
  void test('gives one { path, message } per issue, joining path segments with "."', () => {
    const result = hrEventSchema.safeParse(withEmployee({ email: 'nope', id: 'a b' }));
    assert.equal(result.success, false);
    const issues = describeIssues(result.error);
    assert.equal(issues.length, 2);
    for (const issue of issues) {
      assert.deepEqual(Object.keys(issue).sort(), ['message', 'path']);
      assert.equal(typeof issue.message, 'string');
      assert.ok(issue.message.length > 0);
    }
    assert.deepEqual(
      issues.find((i) => i.path === 'employee.id')?.message,
      'must be letters, digits, ".", "_" or "-"',
    );
    assert.ok(issues.some((i) => i.path === 'employee.email'));
  });

  void test('an issue at the top level is reported as (root)', () => {
    const result = hrEventSchema.safeParse(null);
    assert.equal(result.success, false);
    const issues = describeIssues(result.error);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, '(root)');
  });

  void test('numeric path segments (array indexes) become text', () => {
    const result = z.object({ list: z.array(z.object({ n: z.number() })) }).safeParse({
      list: [{ n: 1 }, { n: 'two' }],
    });
    assert.equal(result.success, false);
    assert.deepEqual(
      describeIssues(result.error).map((i) => i.path),
      ['list.1.n'],
    );
  });
});
