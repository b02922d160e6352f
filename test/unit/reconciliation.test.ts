// Reconciliation's pure rules: what jml's records say of a person, what each listed account is, and
// what a run does about it given the person's running workflow and the application's settings.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classify,
  decide,
  driftFindingId,
  runKeyOf,
  standingsFrom,
  terminationEventId,
  type AppReconcileContext,
  type StandingRow,
} from '../../domain/reconciliation';
import { reconcileSettingsOf } from '../../domain/reconciliation-config';

const hrEvent = (employeeId: string, step?: string): StandingRow => ({
  employeeId,
  kind: 'hr-event',
  body: { eventId: 'e', type: 'hire', ...(step ? { step } : {}) },
});
const plan = (
  employeeId: string,
  step: string,
  apps: Record<string, string[]>,
  privileged: string[] = [],
) => ({
  employeeId,
  kind: 'plan',
  body: {
    step,
    policyVersion: 'p1',
    apps,
    entitlements: Object.entries(apps).flatMap(([appId, names]) =>
      names.map((entitlement) => ({
        appId,
        entitlement,
        risk: privileged.includes(entitlement) ? 'high' : 'low',
        ...(privileged.includes(entitlement) ? { approval: { chain: [] } } : {}),
      })),
    ),
  },
});

const crm = (settings: Partial<AppReconcileContext['settings']> = {}): AppReconcileContext => ({
  appId: 'crm',
  deprovision: 'disable',
  settings: reconcileSettingsOf({ reconcile: settings }),
});
const account = (fields: Partial<Parameters<typeof classify>[0]> = {}) => ({
  accountId: 'acc-1',
  userName: 'someone',
  ownerId: 'E1',
  active: true,
  entitlements: [],
  ...fields,
});

void describe('standing from the records', () => {
  void test('a joiner settled makes someone active with its plan, and the birthright leaves out what needs approval', () => {
    const people = standingsFrom([
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['crm-admins', 'crm-users'] }, ['crm-admins']),
    ]);
    assert.deepEqual(people.get('E1'), {
      standing: 'active',
      plan: {
        policyVersion: 'p1',
        apps: { crm: ['crm-admins', 'crm-users'] },
        birthright: { crm: ['crm-users'] },
      },
    });
  });

  void test('a leaver after the joiner makes someone left, and a rehire after that active again with the new plan', () => {
    const left = standingsFrom([
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['a'] }),
      hrEvent('E1', 'leaver'),
      plan('E1', 'leaver', { crm: ['a'] }),
    ]);
    assert.equal(left.get('E1')?.standing, 'left');
    const rehired = standingsFrom([
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['a'] }),
      hrEvent('E1', 'leaver'),
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['b'] }),
    ]);
    assert.deepEqual(rehired.get('E1')?.plan?.apps, { crm: ['b'] });
  });

  void test('an event that started no step (duplicate, stale) says nothing, so someone with only those is never seen', () => {
    assert.equal(standingsFrom([hrEvent('E1')]).has('E1'), false);
  });

  void test("a mover's plan replaces the joiner's; a mover whose plan is not recorded keeps the joiner's", () => {
    const people = standingsFrom([
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['a'] }),
      hrEvent('E1', 'mover'),
      plan('E1', 'mover', { crm: ['b'] }),
    ]);
    assert.deepEqual(people.get('E1')?.plan?.apps, { crm: ['b'] });
    const noPlan = standingsFrom([
      hrEvent('E1', 'joiner'),
      plan('E1', 'joiner', { crm: ['a'] }),
      hrEvent('E1', 'mover'),
    ]);
    assert.deepEqual(noPlan.get('E1')?.plan?.apps, { crm: ['a'] });
  });
});

void describe('classifying an account', () => {
  const active = {
    standing: 'active' as const,
    plan: { policyVersion: 'p1', apps: { crm: ['a', 'b'] }, birthright: { crm: ['a'] } },
  };

  void test('an account without an owner id is unlinked', () => {
    const [finding] = classify(account({ ownerId: undefined, entitlements: ['x'] }), undefined, crm());
    assert.equal(finding?.class, 'unlinked');
    assert.deepEqual(finding?.entitlements, ['x']);
  });

  void test('an active account of someone never seen is an orphan', () => {
    const [finding] = classify(account(), undefined, crm());
    assert.equal(finding?.class, 'orphan');
    assert.match(finding.reason, /no record of E1/);
  });

  void test("a leaver's account still active or holding access is an orphan; disabled and empty it is what the leaver left", () => {
    assert.equal(
      classify(account({ active: false, entitlements: ['a'] }), { standing: 'left' }, crm())[0]?.class,
      'orphan',
    );
    assert.deepEqual(classify(account({ active: false }), { standing: 'left' }, crm()), []);
  });

  void test('where leavers are deleted, a disabled and empty account of someone who left is still an orphan', () => {
    const app = { ...crm(), deprovision: 'delete' as const };
    assert.equal(classify(account({ active: false }), { standing: 'left' }, app)[0]?.class, 'orphan');
  });

  void test('an active person holding what the plan does not justify is drift, lacking birthright is missing', () => {
    const findings = classify(account({ entitlements: ['b', 'z'] }), active, crm());
    assert.deepEqual(
      findings.map((f) => [f.class, f.entitlements]),
      [
        ['drift', ['z']],
        ['missing', ['a']],
      ],
    );
  });

  void test('privileged access the plan justifies but the account lacks is not re-granted (it needs an approval)', () => {
    assert.deepEqual(classify(account({ entitlements: ['a'] }), active, crm()), []);
  });

  void test('an active person with no plan for this application: everything they hold there is drift', () => {
    const [finding] = classify(account({ entitlements: ['x'] }), { standing: 'active' }, crm());
    assert.deepEqual([finding?.class, finding?.entitlements], ['drift', ['x']]);
  });
});

void describe('deciding what to do', () => {
  const ids = { runKey: 'abcd1234' };
  const orphan = classify(account(), undefined, crm())[0]!;
  const drift = classify(account({ entitlements: ['z'] }), { standing: 'active' }, crm())[0]!;

  void test('an orphan is only reported by default, and terminated where the application says remediate', () => {
    assert.deepEqual(
      [decide(orphan, 'none', crm(), ids)?.action, decide(orphan, 'none', crm(), ids)?.outcome],
      ['report', 'reported'],
    );
    const item = decide(orphan, 'none', crm({ orphans: 'remediate' }), ids);
    assert.equal(item?.outcome, 'pending');
    assert.equal(item?.remediation?.eventId, terminationEventId('abcd1234', 'E1'));
  });

  void test('someone whose workflow is still running (a joiner not yet recorded) is no orphan; a leaver under way is reported', () => {
    assert.equal(decide(orphan, 'joining', crm({ orphans: 'remediate' }), ids), undefined);
    assert.equal(decide(orphan, 'active', crm({ orphans: 'remediate' }), ids), undefined);
    const leaving = decide(orphan, 'leaving', crm({ orphans: 'remediate' }), ids);
    assert.deepEqual([leaving?.action, leaving?.detail], ['report', 'a leaver of E1 is under way']);
  });

  void test('drift is revoked only where the application says revoke, through the running workflow', () => {
    assert.equal(decide(drift, 'active', crm(), ids)?.action, 'report');
    const item = decide(drift, 'active', crm({ drift: 'revoke' }), ids);
    assert.equal(item?.remediation?.findingId, driftFindingId('abcd1234', 'crm', 'E1'));
    assert.equal(decide(drift, 'moving', crm({ drift: 'revoke' }), ids), undefined);
    assert.equal(decide(drift, 'none', crm({ drift: 'revoke' }), ids)?.outcome, 'reported');
  });

  void test('an unlinked account is always reported for a person to decide', () => {
    const unlinked = classify(account({ ownerId: undefined }), undefined, crm())[0]!;
    const item = decide(unlinked, undefined, crm({ orphans: 'remediate', drift: 'revoke' }), ids);
    assert.deepEqual([item?.action, item?.outcome, item?.employeeId], ['report', 'reported', undefined]);
  });

  void test('the ids a run sends are stable and fit the HR event id alphabet', () => {
    assert.equal(runKeyOf('0190ABCD-ef01-7000-8000-000000000000'), '0190abcd');
    assert.match(terminationEventId(runKeyOf('x'), 'E1.a_b-c'), /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/);
  });
});
