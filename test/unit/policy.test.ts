// Role rules → access plan.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Employee } from '../../domain/hr-event';
import { planAccess, roleMatches } from '../../domain/policy';
import { makePolicySchema, type Policy, type RoleRule } from '../../domain/policy-schema';

const employee: Employee = {
  id: 'E1001',
  userName: 'ada.lovelace',
  email: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  department: 'Engineering',
  title: 'Staff Engineer',
  location: 'London',
  employmentType: 'employee',
};

function rule(id: string, when: RoleRule['when'], grants: RoleRule['grants']): RoleRule {
  return { id, when, grants };
}

void describe('roleMatches', () => {
  void test('an empty `when` matches everyone', () => {
    assert.equal(roleMatches(rule('all', {}, { wiki: ['staff'] }), employee), true);
  });

  void test('a listed attribute matches when the value is one of the list (OR within a list)', () => {
    assert.equal(roleMatches(rule('r', { department: ['Sales', 'Engineering'] }, {}), employee), true);
    assert.equal(roleMatches(rule('r', { department: ['Sales', 'Finance'] }, {}), employee), false);
  });

  void test('every listed attribute must match (AND across attributes)', () => {
    const both = rule('r', { department: ['Engineering'], location: ['London', 'Paris'] }, {});
    assert.equal(roleMatches(both, employee), true);
    assert.equal(roleMatches(both, { ...employee, location: 'Berlin' }), false);
    assert.equal(roleMatches(both, { ...employee, department: 'Sales' }), false);

    const all = rule(
      'r',
      {
        department: ['Engineering'],
        title: ['Staff Engineer'],
        location: ['London'],
        employmentType: ['employee'],
      },
      {},
    );
    assert.equal(roleMatches(all, employee), true);
    assert.equal(roleMatches(all, { ...employee, employmentType: 'contractor' }), false);
    assert.equal(roleMatches(all, { ...employee, title: 'Engineer' }), false);
  });

  void test('matching is exact, not case-insensitive or by prefix', () => {
    assert.equal(roleMatches(rule('r', { department: ['engineering'] }, {}), employee), false);
    assert.equal(roleMatches(rule('r', { department: ['Engineer'] }, {}), employee), false);
  });
});

/** A valid policy with these roles, every entitlement they grant declared low-risk. */
function policyOf(roles: RoleRule[]): Policy {
  const applications: Record<string, { entitlements: Record<string, object> }> = {};
  for (const role of roles) {
    for (const [appId, names] of Object.entries(role.grants)) {
      const app = (applications[appId] ??= { entitlements: {} });
      for (const name of names) app.entitlements[name] = {};
    }
  }
  return makePolicySchema().parse({ version: 'test', applications, roles });
}

/** The planned entitlement of a low-risk grant, justified by these roles. */
const low = (appId: string, entitlement: string, ...roles: string[]) => ({
  appId,
  entitlement,
  risk: 'low' as const,
  roles,
});

void describe('planAccess', () => {
  const rules: RoleRule[] = [
    rule('all-staff', {}, { wiki: ['staff'] }),
    rule('engineering', { department: ['Engineering'] }, { wiki: ['engineering', 'staff'], crm: ['crm-ro'] }),
    rule('london', { location: ['London'] }, { wiki: ['a-london', 'engineering'] }),
    rule('sales', { department: ['Sales'] }, { wiki: ['sales'], crm: ['crm-users'] }),
  ];
  const policy = policyOf(rules);

  void test('unites the grants of every matching role, sorted and de-duplicated', () => {
    const plan = planAccess(employee, policy, ['crm', 'wiki'], 'sha256:abc');
    assert.deepEqual(plan, {
      policyVersion: 'sha256:abc',
      roles: ['all-staff', 'engineering', 'london'],
      apps: { crm: ['crm-ro'], wiki: ['a-london', 'engineering', 'staff'] },
      entitlements: [
        low('crm', 'crm-ro', 'engineering'),
        low('wiki', 'a-london', 'london'),
        low('wiki', 'engineering', 'engineering', 'london'),
        low('wiki', 'staff', 'all-staff', 'engineering'),
      ],
    });
  });

  void test('every application appears, even with nothing granted in it', () => {
    const plan = planAccess({ ...employee, department: 'Finance' }, policy, ['crm', 'wiki', 'hr'], 'v1');
    assert.deepEqual(plan.apps, { crm: [], wiki: ['a-london', 'engineering', 'staff'], hr: [] });
    assert.deepEqual(plan.roles, ['all-staff', 'london']);
    assert.deepEqual(
      plan.entitlements.map((e) => e.appId),
      ['wiki', 'wiki', 'wiki'],
    );
  });

  void test('no matching role gives empty entitlements everywhere', () => {
    const plan = planAccess(employee, policyOf([rules[3]!]), ['crm', 'wiki'], 'v2');
    assert.deepEqual(plan, { policyVersion: 'v2', roles: [], apps: { crm: [], wiki: [] }, entitlements: [] });
  });

  void test('grants to an application that is not in the list are left out', () => {
    const plan = planAccess(employee, policy, ['wiki'], 'v3');
    assert.deepEqual(Object.keys(plan.apps), ['wiki']);
    assert.ok(plan.entitlements.every((e) => e.appId === 'wiki'));
  });

  void test('carries the policy version through unchanged', () => {
    assert.equal(
      planAccess(employee, policyOf([]), ['wiki'], 'sha256:0123456789ab').policyVersion,
      'sha256:0123456789ab',
    );
  });
});
