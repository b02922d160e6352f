// The words of `jml plan`: the plan itself, and what would change against what jml holds now.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, diffPlans, formatDuration, planLines, planReport } from '../../cli/plan-report';
import type { AccessPlan } from '../../domain/policy';

const DAY = 86_400_000;

function plan(): AccessPlan {
  return {
    policyVersion: '2026.11.1@sha256:0123456789ab',
    roles: ['all-staff', 'sales', 'sales-operations'],
    apps: { crm: ['crm-admins', 'crm-users'], wiki: ['sales', 'staff'], hr: [] },
    entitlements: [
      {
        appId: 'crm',
        entitlement: 'crm-admins',
        risk: 'high',
        roles: ['sales-operations'],
        approval: {
          chain: [
            { label: 'manager', approvers: [] },
            { label: 'owner of crm', approvers: ['E0200'] },
            { label: 'group security', approvers: ['E0900', 'E0901'] },
          ],
          stepTimeoutMs: 2 * DAY,
          reminderAfterMs: DAY,
        },
        maxDurationMs: 30 * DAY,
      },
      { appId: 'crm', entitlement: 'crm-users', risk: 'medium', roles: ['sales'] },
      { appId: 'wiki', entitlement: 'sales', risk: 'low', roles: ['sales'], maxDurationMs: 36 * 3_600_000 },
      { appId: 'wiki', entitlement: 'staff', risk: 'low', roles: ['all-staff', 'sales'] },
    ],
  };
}

/** What jml holds now: one entitlement to keep, one to revoke per application, and a retired app. */
function held(): AccessPlan {
  return {
    policyVersion: '2026.10.2@sha256:ba9876543210',
    roles: ['all-staff', 'engineering'],
    apps: { crm: ['crm-readonly', 'crm-users'], wiki: ['engineering', 'staff'], legacy: ['old'] },
    entitlements: [],
  };
}

void describe('formatDuration', () => {
  void test('uses the largest whole unit, as the policy file writes durations', () => {
    assert.equal(formatDuration(2 * DAY), '2d');
    assert.equal(formatDuration(36 * 3_600_000), '36h');
    assert.equal(formatDuration(90 * 60_000), '90m');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(1500), '1500ms');
  });
});

void describe('planLines', () => {
  void test('shows the version, the roles, then per application each entitlement with its risk and roles', () => {
    assert.deepEqual(planLines(plan()), [
      'policy version 2026.11.1@sha256:0123456789ab',
      'roles: all-staff, sales, sales-operations',
      'crm:',
      '  crm-admins (high; roles: sales-operations) needs approval, asked in order:',
      '    1. manager: nobody (step skipped)',
      '    2. owner of crm: E0200',
      '    3. group security: E0900, E0901',
      '    each step has 2d to decide (reminder after 1d); the access ends 30d after it is granted',
      '  crm-users (medium; roles: sales)',
      'wiki:',
      '  sales (low; roles: sales)',
      '    the access ends 36h after it is granted',
      '  staff (low; roles: all-staff, sales)',
      'hr: nothing',
    ]);
  });

  void test('says so when no role matched', () => {
    const empty: AccessPlan = {
      policyVersion: 'v1@sha256:000000000000',
      roles: [],
      apps: { crm: [] },
      entitlements: [],
    };
    assert.deepEqual(planLines(empty), [
      'policy version v1@sha256:000000000000',
      'roles: none matched',
      'crm: nothing',
    ]);
  });
});

void describe('diffPlans', () => {
  void test('a person jml has never seen gets everything as a grant', () => {
    assert.deepEqual(diffPlans(plan(), undefined), {
      known: false,
      apps: {
        crm: { grant: ['crm-admins', 'crm-users'], revoke: [] },
        wiki: { grant: ['sales', 'staff'], revoke: [] },
        hr: { grant: [], revoke: [] },
      },
    });
  });

  void test('against the current plan: grants what is new, revokes what is no longer planned', () => {
    assert.deepEqual(diffPlans(plan(), { stage: 'active', plan: held() }), {
      known: true,
      stage: 'active',
      currentPolicyVersion: '2026.10.2@sha256:ba9876543210',
      apps: {
        crm: { grant: ['crm-admins'], revoke: ['crm-readonly'] },
        wiki: { grant: ['sales'], revoke: ['engineering'] },
        hr: { grant: [], revoke: [] },
        legacy: { grant: [], revoke: ['old'] },
      },
    });
  });

  void test('a known person without a current plan (e.g. after leaving) gets everything as a grant', () => {
    const diff = diffPlans(plan(), { stage: 'left' });
    assert.equal(diff.known, true);
    assert.equal(diff.stage, 'left');
    assert.equal('currentPolicyVersion' in diff, false);
    assert.deepEqual(diff.apps.crm, { grant: ['crm-admins', 'crm-users'], revoke: [] });
  });

  void test('the same plan changes nothing', () => {
    const diff = diffPlans(plan(), { stage: 'active', plan: plan() });
    for (const change of Object.values(diff.apps)) assert.deepEqual(change, { grant: [], revoke: [] });
  });
});

void describe('diffLines', () => {
  void test('lists + grants and - revocations per application, and says which change nothing', () => {
    assert.deepEqual(diffLines(diffPlans(plan(), { stage: 'active', plan: held() })), [
      'against what jml holds now (active, policy version 2026.10.2@sha256:ba9876543210):',
      'crm:',
      '  + crm-admins',
      '  - crm-readonly',
      'wiki:',
      '  + sales',
      '  - engineering',
      'hr: no change',
      'legacy:',
      '  - old',
    ]);
  });

  void test('a person not known to jml: everything is a grant', () => {
    assert.deepEqual(diffLines(diffPlans(plan(), undefined)), [
      'not known to jml: everything is a grant',
      'crm:',
      '  + crm-admins',
      '  + crm-users',
      'wiki:',
      '  + sales',
      '  + staff',
      'hr: no change',
    ]);
  });

  void test('a known person without a current plan: everything is a grant, and the stage is named', () => {
    assert.equal(
      diffLines(diffPlans(plan(), { stage: 'left' }))[0],
      'against what jml holds now (left, no access planned): everything is a grant',
    );
  });
});

void describe('planReport', () => {
  void test('is the plan alone, or the plan, a blank line and the changes', () => {
    assert.deepEqual(planReport(plan()), planLines(plan()));
    const diff = diffPlans(plan(), undefined);
    assert.deepEqual(planReport(plan(), diff), [...planLines(plan()), '', ...diffLines(diff)]);
  });
});
