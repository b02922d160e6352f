// The mass-termination guard's rules: the sliding hour, the limit, what is held, who may decide.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { terminationGuardActivities } from '../../activities/termination-guard';
import { makeConfigSchema } from '../../domain/config';
import type { HrEvent } from '../../domain/hr-event';
import {
  admission,
  decidedBy,
  decisionRefusal,
  GUARD_WINDOW_MS,
  guardSettingsOf,
  terminationLimit,
  trimWindow,
  type AdmittedTermination,
  type HeldTermination,
} from '../../domain/termination-guard';

const HOUR = GUARD_WINDOW_MS;
const at = (employeeId: string, ms: number): AdmittedTermination => ({
  employeeId,
  eventId: `evt-${employeeId}`,
  at: ms,
});
const held = (employeeId: string): HeldTermination => ({
  holdId: `guard-00000000-1-${employeeId}`,
  employeeId,
  eventId: `evt-${employeeId}`,
  heldAt: '2026-01-01T00:00:00.000Z',
  event: { eventId: `evt-${employeeId}`, type: 'terminate' } as HrEvent,
});

void describe('trimWindow', () => {
  void test('keeps what was admitted less than an hour ago and drops what is an hour old or older', () => {
    const now = 10 * HOUR;
    const window = [at('A', now - HOUR - 1), at('B', now - HOUR), at('C', now - HOUR + 1), at('D', now)];
    assert.deepEqual(
      trimWindow(window, now).map((a) => a.employeeId),
      ['C', 'D'],
    );
  });

  void test('slides: an entry leaves the window exactly one hour after it was admitted', () => {
    const window = [at('A', 0)];
    assert.equal(trimWindow(window, HOUR - 1).length, 1);
    assert.equal(trimWindow(window, HOUR).length, 0);
  });

  void test('takes another window length', () => {
    assert.equal(trimWindow([at('A', 0)], 500, 1000).length, 1);
    assert.equal(trimWindow([at('A', 0)], 1000, 1000).length, 0);
  });
});

void describe('terminationLimit', () => {
  void test('is the hourly limit without a percentage or a known workforce', () => {
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50 }, 1000), 50);
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50, maxTerminationsPercent: 5 }, undefined), 50);
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50, maxTerminationsPercent: 5 }, 0), 50);
  });

  void test('is the share of the workforce, rounded down, when that is lower', () => {
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50, maxTerminationsPercent: 5 }, 399), 19);
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50, maxTerminationsPercent: 5 }, 2000), 50);
  });

  void test('never falls below one', () => {
    assert.equal(terminationLimit({ maxTerminationsPerHour: 50, maxTerminationsPercent: 1 }, 10), 1);
  });
});

void describe('admission', () => {
  const none = { window: [], held: [] };

  void test('admits and counts up to the limit, then holds', () => {
    const window = [at('A', 0), at('B', 0)];
    assert.deepEqual(admission({ window: [at('A', 0)], held: [] }, { employeeId: 'B', eventId: 'e' }, 2), {
      outcome: 'admitted',
      counted: true,
      why: 'within the limit',
    });
    assert.deepEqual(admission({ window, held: [] }, { employeeId: 'C', eventId: 'e' }, 2), {
      outcome: 'held',
      why: 'over the limit',
    });
  });

  void test('admits an urgent termination beyond the limit, and counts it', () => {
    const window = [at('A', 0), at('B', 0)];
    assert.deepEqual(admission({ window, held: [] }, { employeeId: 'C', eventId: 'e', urgent: true }, 2), {
      outcome: 'admitted',
      counted: true,
      why: 'urgent',
    });
    assert.deepEqual(
      admission({ window, held: [held('X')] }, { employeeId: 'C', eventId: 'e', urgent: true }, 2),
      { outcome: 'admitted', counted: true, why: 'urgent' },
    );
  });

  void test('holds every non-urgent termination while something is held, even under the limit', () => {
    assert.deepEqual(admission({ window: [], held: [held('X')] }, { employeeId: 'C', eventId: 'e' }, 10), {
      outcome: 'held',
      why: 'others are held',
    });
  });

  void test('does not count someone already admitted within the hour twice', () => {
    const window = [at('A', 0), at('B', 0)];
    assert.deepEqual(admission({ window, held: [] }, { employeeId: 'A', eventId: 'again' }, 2), {
      outcome: 'admitted',
      counted: false,
      why: 'already admitted',
    });
  });

  void test("holds a further termination of someone held, and the same event again, as 'already held'", () => {
    const state = { window: [], held: [held('X')] };
    assert.equal(admission(state, { employeeId: 'X', eventId: 'other', urgent: true }, 10).outcome, 'held');
    assert.equal(admission(state, { employeeId: 'Y', eventId: 'evt-X' }, 10).outcome, 'held');
    assert.equal(admission(none, { employeeId: 'X', eventId: 'evt-X' }, 10).outcome, 'admitted');
  });
});

void describe('decisions on held terminations', () => {
  const approvers = ['E0001', 'E0002'];
  const heldNow = [held('T1'), held('T2'), held('E0002')];

  void test('only a guard approver may decide, and is told who may', () => {
    assert.equal(
      decisionRefusal(heldNow, approvers, { approver: 'E0009' }),
      "E0009 is not one of the guard's approvers (E0001, E0002)",
    );
    assert.equal(decisionRefusal(heldNow, approvers, { approver: 'E0001' }), undefined);
  });

  void test('nobody may decide while guard.approvers is empty', () => {
    assert.match(decisionRefusal(heldNow, [], { approver: 'E0001' }) ?? '', /guard\.approvers is empty/);
  });

  void test('a decision needs something held, and names only held people', () => {
    assert.equal(decisionRefusal([], approvers, { approver: 'E0001' }), 'no termination is held');
    assert.equal(
      decisionRefusal(heldNow, approvers, { approver: 'E0001', employeeIds: ['T1', 'T9'] }),
      'no termination is held for T9',
    );
  });

  void test('an approver may not decide on their own termination', () => {
    assert.equal(
      decisionRefusal(heldNow, approvers, { approver: 'E0002' }),
      'E0002 may not decide on their own termination',
    );
    assert.equal(decisionRefusal(heldNow, approvers, { approver: 'E0002', employeeIds: ['T1'] }), undefined);
  });

  void test('a decision is about everyone held, or only the people it names', () => {
    assert.deepEqual(
      decidedBy(heldNow, {}).map((h) => h.employeeId),
      ['T1', 'T2', 'E0002'],
    );
    assert.deepEqual(
      decidedBy(heldNow, { employeeIds: ['T2'] }).map((h) => h.employeeId),
      ['T2'],
    );
  });
});

void describe('guard configuration', () => {
  const minimal = {
    http: { hrWebhookSecret: { env: 'S' }, apiToken: { env: 'S' } },
    applications: [{ id: 'm', kind: 'manual', fulfillers: ['E1'] }],
  };
  const parse = (extra: object) => makeConfigSchema({ S: 'secret' }).safeParse({ ...minimal, ...extra });

  void test('is on by default, at 50 per hour, with no share limit and no approvers', () => {
    const parsed = parse({});
    assert.ok(parsed.success);
    assert.deepEqual(guardSettingsOf(parsed.data), { maxTerminationsPerHour: 50, approvers: [] });
  });

  void test('is off when disabled', () => {
    const parsed = parse({ guard: { enabled: false } });
    assert.ok(parsed.success);
    assert.equal(guardSettingsOf(parsed.data), undefined);
  });

  void test('names the bad key', () => {
    const parsed = parse({
      guard: { maxTerminationsPerHour: 0, maxTerminationsPercent: 150, approvers: ['a b'] },
    });
    assert.ok(!parsed.success);
    assert.deepEqual(parsed.error.issues.map((i) => i.path.join('.')).sort(), [
      'guard.approvers.0',
      'guard.maxTerminationsPerHour',
      'guard.maxTerminationsPercent',
    ]);
  });
});

void describe('the ALERT line', () => {
  void test('says what is held, the hour and who is asked, by ids and counts only', async () => {
    const lines: { fields: unknown; message: string }[] = [];
    const logger = { warn: (fields: unknown, message: string) => void lines.push({ fields, message }) };
    const activities = terminationGuardActivities({
      deliver: () => Promise.reject(new Error('not called')),
      logger: logger as never,
    });
    await activities.alertTerminationGuard({
      kind: 'holding',
      guardWorkflowId: 'termination-guard-jml',
      held: 40,
      admittedInWindow: 10,
      limit: 10,
      approvers: ['E0001', 'E0002'],
    });
    await activities.alertTerminationGuard({
      kind: 'released',
      guardWorkflowId: 'termination-guard-jml',
      held: 0,
      admittedInWindow: 10,
      limit: 10,
      approvers: ['E0001', 'E0002'],
      decision: { approver: 'E0001', via: 'API token', terminations: 40 },
    });
    assert.deepEqual(
      lines.map((l) => l.message),
      [
        'ALERT mass-termination guard: holding 40 termination(s) for approval by E0001, E0002 ' +
          '(10 admitted in the last hour, limit 10; 40 held; workflow termination-guard-jml)',
        'ALERT mass-termination guard: E0001 released 40 held termination(s) ' +
          '(10 admitted in the last hour, limit 10; 0 held; workflow termination-guard-jml)',
      ],
    );
  });
});
