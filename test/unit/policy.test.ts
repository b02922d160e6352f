// Role rules → access plan.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoleRule } from '../../domain/config';
import type { Employee } from '../../domain/hr-event';
import { planAccess, roleMatches } from '../../domain/policy';

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

void describe('planAccess', () => {
  const rules: RoleRule[] = [
    rule('all-staff', {}, { wiki: ['staff'] }),
    rule('engineering', { department: ['Engineering'] }, { wiki: ['engineering', 'staff'], crm: ['crm-ro'] }),
    rule('london', { location: ['London'] }, { wiki: ['a-london', 'engineering'] }),
    rule('sales', { department: ['Sales'] }, { wiki: ['sales'], crm: ['crm-users'] }),
  ];

  void test('unites the grants of every matching role, sorted and de-duplicated', () => {
    const plan = planAccess(employee, rules, ['crm', 'wiki'], 'sha256:abc');
    assert.deepEqual(plan, {
      policyVersion: 'sha256:abc',
      roles: ['all-staff', 'engineering', 'london'],
      apps: { crm: ['crm-ro'], wiki: ['a-london', 'engineering', 'staff'] },
    });
  });

  void test('every application appears, even with nothing granted in it', () => {
    const plan = planAccess({ ...employee, department: 'Finance' }, rules, ['crm', 'wiki', 'hr'], 'v1');
    assert.deepEqual(plan.apps, { crm: [], wiki: ['a-london', 'engineering', 'staff'], hr: [] });
    assert.deepEqual(plan.roles, ['all-staff', 'london']);
  });

  void test('no matching role gives empty entitlements everywhere', () => {
    const plan = planAccess(employee, [rules[3]!], ['crm', 'wiki'], 'v2');
    assert.deepEqual(plan, { policyVersion: 'v2', roles: [], apps: { crm: [], wiki: [] } });
  });

  void test('grants to an application that is not in the list are left out', () => {
    const plan = planAccess(employee, rules, ['wiki'], 'v3');
    assert.deepEqual(Object.keys(plan.apps), ['wiki']);
  });

  void test('carries the policy version through unchanged', () => {
    assert.equal(
      planAccess(employee, [], ['wiki'], 'sha256:0123456789ab').policyVersion,
      'sha256:0123456789ab',
    );
  });
});
