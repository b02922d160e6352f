// The period export and report built from hand-made evidence records of several people: one row per
// joiner, mover and leaver with its timings, and the period's figures (durations, deadlines,
// verification failures, approvals, manual tasks, drift, skips and their follow-ups).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { periodExport } from '../../domain/period-export';
import { percentile, periodReport } from '../../domain/period-report';
import { groupSteps } from '../../domain/recorded-steps';
import { at, PersonRecords } from '../support/step-records';

const MIN = 60_000;

/** Ada joins (provisioned a day before her start), moves, and leaves late; Grace joins and leaves with a skip. */
function company() {
  const ada = new PersonRecords('E1001')
    .event('evt-hire', 'joiner', { receivedAt: at(0), effectiveAt: at(2 * 1440), completedAt: at(1441) })
    .plan('evt-hire', 'joiner', at(0), { crm: ['crm-users'], wiki: ['staff'] })
    .provisioned('evt-hire', 'joiner', 'crm', at(1441), ['crm-users'], ['crm-export'])
    .provisioned('evt-hire', 'joiner', 'wiki', at(1441), ['staff'])
    .event('evt-move', 'mover', { receivedAt: at(3000), completedAt: at(3004) })
    .plan('evt-move', 'mover', at(3000), { crm: ['crm-admins', 'crm-users'], wiki: ['staff'] })
    .approval('evt-move', 'crm', 'apr-1-E1001', at(3000), { approve: true, at: at(3003) })
    .provisioned('evt-move', 'mover', 'crm', at(3004), ['crm-admins', 'crm-users'])
    // The wiki shows a group no plan justifies: drift.
    .provisioned('evt-move', 'mover', 'wiki', at(3001), ['staff', 'wiki-admins'])
    .event('evt-term', 'leaver', { receivedAt: at(5000), completedAt: at(5090), deadline: at(5060) })
    .deprovisioned('evt-term', 'crm', at(5002))
    .deprovisioned('evt-term', 'wiki', at(5090), { deleted: true })
    .attention('evt-term', 'leaver', 'wiki', 'failing', at(5010))
    .attention('evt-term', 'leaver', null, 'deadline-missed', at(5060));
  const grace = new PersonRecords('E1002')
    .event('evt-g-hire', 'joiner', { receivedAt: at(100), completedAt: at(110) })
    .plan('evt-g-hire', 'joiner', at(100), { crm: ['crm-users'], badge: ['badge-nyc'] })
    .provisioned('evt-g-hire', 'joiner', 'crm', at(102), ['crm-users'])
    .approval('evt-g-hire', 'crm', 'apr-1-E1002', at(100))
    .approval('evt-g-hire', 'crm', 'apr-2-E1002', at(100), 'withdrawn')
    .approval('evt-g-hire', 'crm', 'apr-3-E1002', at(100), { approve: false, at: at(105) })
    .task('evt-g-hire', 'badge', 'task-1-E1002', at(100), at(200))
    .task('evt-g-hire', 'badge', 'task-2-E1002', at(100), at(200))
    .attested('evt-g-hire', 'badge', 'task-2-E1002', 'E0500', at(300))
    .event('evt-g-term', 'leaver', { receivedAt: at(6000), completedAt: at(6031), deadline: at(6060) })
    .deprovisioned('evt-g-term', 'crm', at(6001))
    .attention('evt-g-term', 'leaver', 'sso', 'stalled', at(6010))
    .override('evt-g-term', 'leaver', 'sso', 'skip', at(6030), 'Keycloak down')
    .deprovisioned('evt-g-term', 'ldap', at(6002), { heldBy: 'E2002' })
    // A duplicate started no step: no row.
    .event('evt-g-dup', undefined, { receivedAt: at(6100) }, { type: 'terminate', outcome: 'duplicate' });
  return [...ada.views(), ...grace.views()];
}

void describe('groupSteps', () => {
  void test('puts each record under the step whose HR event it belongs to', () => {
    const steps = groupSteps(company());
    assert.deepEqual(steps.map((s) => `${s.employeeId} ${s.step} ${s.eventId}`).sort(), [
      'E1001 joiner evt-hire',
      'E1001 leaver evt-term',
      'E1001 mover evt-move',
      'E1002 joiner evt-g-hire',
      'E1002 leaver evt-g-term',
    ]);
    const hire = steps.find((s) => s.eventId === 'evt-g-hire')!;
    assert.deepEqual(
      hire.approvals.map((a) => [a.requestId, a.requests.length, a.decisions.length]),
      [
        ['apr-1-E1002', 1, 0],
        ['apr-2-E1002', 1, 0],
        ['apr-3-E1002', 1, 1],
      ],
    );
    const badge = hire.apps.find((a) => a.appId === 'badge')!;
    assert.deepEqual([badge.tasks.length, badge.attestations.length], [2, 1]);
    const leaver = steps.find((s) => s.eventId === 'evt-term')!;
    assert.deepEqual(
      leaver.attentions.map((a) => a.body.reason),
      ['deadline-missed'],
    );
  });
});

void describe('periodExport', () => {
  void test('one row per step, in the order HR sent them, with timings, counts and the deadline', () => {
    const rows = periodExport(company(), new Date(at(7000)));
    assert.deepEqual(
      rows.map((r) => [r.employeeId, r.step, r.eventId]),
      [
        ['E1001', 'joiner', 'evt-hire'],
        ['E1002', 'joiner', 'evt-g-hire'],
        ['E1001', 'mover', 'evt-move'],
        ['E1001', 'leaver', 'evt-term'],
        ['E1002', 'leaver', 'evt-g-term'],
      ],
    );
    const [hire, , move, term, graceTerm] = rows;
    assert.deepEqual(hire, {
      employeeId: 'E1001',
      step: 'joiner',
      eventId: 'evt-hire',
      type: 'hire',
      outcome: 'completed',
      receivedAt: at(0),
      effectiveAt: at(2880),
      completedAt: at(1441),
      durationMs: 0,
      applications: 2,
      verified: 2,
      skipped: 0,
      heldByOther: 0,
      policyVersion: 'sha256:0123456789ab',
    });
    assert.equal(move!.durationMs, 4 * MIN);
    assert.deepEqual(
      [term!.verifiedAt, term!.durationMs, term!.deadlineStatus, term!.late, term!.lateByMs],
      [at(5090), 90 * MIN, 'late', true, 30 * MIN],
    );
    assert.deepEqual(
      [graceTerm!.applications, graceTerm!.verified, graceTerm!.skipped, graceTerm!.heldByOther],
      [3, 1, 1, 1],
    );
    assert.equal(graceTerm!.verifiedAt, undefined, 'the skipped application is not verified');
    assert.equal(graceTerm!.durationMs, undefined);
    assert.deepEqual([graceTerm!.deadlineStatus, graceTerm!.late], ['overdue', true]);
  });
});

void describe('periodReport', () => {
  void test('percentiles are by nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 10);
    assert.equal(percentile(values, 95), 19);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), null);
  });

  void test("the period's figures", () => {
    const report = periodReport(company(), new Date(at(7000)));
    assert.deepEqual(report.steps, { joiner: 2, mover: 1, leaver: 2 });
    assert.deepEqual(report.timeToProvision, {
      count: 2,
      notDone: 0,
      medianMs: 0,
      p95Ms: 10 * MIN,
      maxMs: 10 * MIN,
    });
    assert.deepEqual(report.timeToChange, {
      count: 1,
      notDone: 0,
      medianMs: 4 * MIN,
      p95Ms: 4 * MIN,
      maxMs: 4 * MIN,
    });
    assert.deepEqual(report.timeToDeprovision, {
      count: 1,
      notDone: 1,
      medianMs: 90 * MIN,
      p95Ms: 90 * MIN,
      maxMs: 90 * MIN,
    });
    assert.deepEqual(report.deadlines, { met: 0, late: 1, pending: 0, overdue: 1, maxLateByMs: 940 * MIN });
    assert.deepEqual(report.verificationFailures, {
      wiki: { failing: 1, stalled: 0, unverifiable: 0, heldByOther: 0 },
      sso: { failing: 0, stalled: 1, unverifiable: 0, heldByOther: 0 },
    });
    assert.deepEqual(report.approvals, { requested: 4, approved: 1, denied: 1, withdrawn: 1, waiting: 1 });
    assert.deepEqual(report.manualTasks, {
      opened: 2,
      attested: 1,
      attestedLate: 1,
      withdrawn: 0,
      open: 1,
      overdue: 1,
    });
    assert.deepEqual(report.drift, {
      crm: { entitlements: 1, steps: 1 },
      wiki: { entitlements: 1, steps: 1 },
    });
    assert.deepEqual(report.overrides, { skips: 1, retries: 0 });
    assert.deepEqual(report.openFollowUps, [
      {
        employeeId: 'E1002',
        eventId: 'evt-g-term',
        step: 'leaver',
        appId: 'sso',
        by: 'E0042',
        via: 'API token',
        reason: 'Keycloak down',
        at: at(6030),
        followUp: 'open',
      },
    ]);
  });

  void test("a joiner's task counts as attested when the application's read-back rests on an attestation", () => {
    const records = new PersonRecords('E1004')
      .event('evt-h', 'joiner', { receivedAt: at(0), completedAt: at(90) })
      .task('evt-h', 'badge', 'task-1-E1004', at(0), at(60))
      .attestedReadBack('evt-h', 'joiner', 'badge', at(90), ['badge-nyc']);
    assert.deepEqual(periodReport(records.views(), new Date(at(100))).manualTasks, {
      opened: 1,
      attested: 1,
      attestedLate: 1,
      withdrawn: 0,
      open: 0,
      overdue: 0,
    });
  });

  void test('a follow-up that verified the skipped application closes it', () => {
    const records = new PersonRecords('E1003')
      .event('evt-t', 'leaver', { receivedAt: at(0), completedAt: at(5), deadline: at(60) })
      .override('evt-t', 'leaver', 'sso', 'skip', at(5), 'down')
      .followedUp('evt-t', 'sso', at(30));
    const report = periodReport(records.views(), new Date(at(100)));
    assert.deepEqual(report.openFollowUps, []);
    assert.deepEqual(
      report.skipped.map((s) => [s.appId, s.followUp, s.verifiedAt]),
      [['sso', 'verified', at(30)]],
    );
    assert.deepEqual(report.deadlines, { met: 1, late: 0, pending: 0, overdue: 0, maxLateByMs: null });
  });
});
