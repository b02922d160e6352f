// The access policy: what a valid policy file is, and how planning resolves approval chains to people.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeIssues, type Employee } from '../../domain/hr-event';
import { planAccess } from '../../domain/policy';
import { makePolicySchema, PRIVILEGED_RISKS, RISK_LEVELS, type Policy } from '../../domain/policy-schema';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small valid policy, as plain data to be changed per test. */
function raw(): Record<string, unknown> & {
  approverGroups: Record<string, string[]>;
  applications: Record<string, { owners?: string[]; entitlements: Record<string, Record<string, unknown>> }>;
  roles: Record<string, unknown>[];
} {
  return {
    version: '2026.11.1',
    approverGroups: { security: ['E0900', 'E0901'] },
    applications: {
      crm: {
        owners: ['E0200'],
        entitlements: {
          'crm-users': { risk: 'medium' },
          'crm-admins': { risk: 'high', approval: { chain: ['manager', 'owner', { group: 'security' }] } },
        },
      },
      wiki: { entitlements: { staff: {} } },
    },
    roles: [
      { id: 'all-staff', grants: { wiki: ['staff'] } },
      { id: 'sales', when: { department: ['Sales'] }, grants: { crm: ['crm-users'] } },
    ],
  };
}

/** The problems the schema reports, one `path: message` string each; fails if the input is accepted. */
function problems(input: unknown, configuredApps?: string[]): string[] {
  const parsed = makePolicySchema(configuredApps).safeParse(input);
  assert.equal(parsed.success, false, 'policy should have been rejected');
  return parsed.success ? [] : describeIssues(parsed.error).map((p) => `${p.path}: ${p.message}`);
}

const parse = (input: unknown, configuredApps?: string[]): Policy =>
  makePolicySchema(configuredApps).parse(input);

void describe('makePolicySchema', () => {
  void test('accepts the small policy, checked against the configured applications too', () => {
    assert.doesNotThrow(() => parse(raw()));
    assert.doesNotThrow(() => parse(raw(), ['crm', 'wiki', 'hr']));
  });

  void test('applies defaults: low risk, a 2d step timeout, no groups, owners, roles or conditions', () => {
    const data = raw();
    delete (data as Record<string, unknown>).approverGroups;
    data.applications.crm!.entitlements['crm-admins'] = { risk: 'high', approval: { chain: ['owner'] } };
    data.roles = [{ id: 'all', grants: { wiki: ['staff'] } }];
    const policy = parse(data);
    assert.deepEqual(policy.approverGroups, {});
    assert.deepEqual(policy.applications.wiki, { owners: [], entitlements: { staff: { risk: 'low' } } });
    assert.deepEqual(policy.applications.crm?.entitlements['crm-admins']?.approval, {
      chain: ['owner'],
      stepTimeout: 2 * DAY,
    });
    assert.deepEqual(policy.roles[0]?.when, {}, 'an absent `when` matches everyone');
    assert.deepEqual(parse({ version: 'v', applications: {} }).roles, []);
  });

  void test('reads durations: step timeout, reminder and maximum duration', () => {
    const data = raw();
    data.applications.crm!.entitlements['crm-admins'] = {
      risk: 'critical',
      approval: { chain: ['manager'], stepTimeout: '8h', reminderAfter: '90m' },
      maxDuration: '30d',
    };
    assert.deepEqual(parse(data).applications.crm?.entitlements['crm-admins'], {
      risk: 'critical',
      approval: { chain: ['manager'], stepTimeout: 8 * HOUR, reminderAfter: 90 * 60_000 },
      maxDuration: 30 * DAY,
    });
  });

  void test('the privileged risks are high and critical', () => {
    assert.deepEqual(RISK_LEVELS, ['low', 'medium', 'high', 'critical']);
    assert.deepEqual([...PRIVILEGED_RISKS], ['high', 'critical']);
  });

  void test('a high or critical entitlement without approval is an error at the entitlement', () => {
    const data = raw();
    data.applications.crm!.entitlements['crm-admins'] = { risk: 'high' };
    data.applications.wiki!.entitlements.root = { risk: 'critical', description: 'everything' };
    assert.deepEqual(problems(data), [
      'applications.crm.entitlements.crm-admins: a high-risk entitlement needs an approval chain',
      'applications.wiki.entitlements.root: a critical-risk entitlement needs an approval chain',
    ]);
  });

  void test('a maximum duration without an approval chain is an error at maxDuration', () => {
    const data = raw();
    data.applications.wiki!.entitlements.staff = { risk: 'low', maxDuration: '7d' };
    assert.deepEqual(problems(data), [
      'applications.wiki.entitlements.staff.maxDuration: time-bound access is granted by approval: add an approval chain, or remove maxDuration',
    ]);
  });

  void test('a medium or low entitlement may have an approval chain, but needs none', () => {
    const data = raw();
    data.applications.wiki!.entitlements.editors = { risk: 'medium', approval: { chain: ['owner'] } };
    data.applications.wiki!.owners = ['E0300'];
    assert.doesNotThrow(() => parse(data));
  });

  void test('an approval step naming an unknown group is an error at that step', () => {
    const data = raw();
    data.applications.crm!.entitlements['crm-admins'] = {
      risk: 'high',
      approval: { chain: ['manager', { group: 'secruity' }] },
    };
    assert.deepEqual(problems(data), [
      'applications.crm.entitlements.crm-admins.approval.chain.1: unknown approver group "secruity"',
    ]);
  });

  void test('an `owner` step in an application without owners is an error at that step', () => {
    const data = raw();
    data.applications.crm!.owners = [];
    assert.deepEqual(problems(data), [
      'applications.crm.entitlements.crm-admins.approval.chain.1: application "crm" has no owners',
    ]);
    delete data.applications.crm!.owners;
    assert.deepEqual(problems(data), [
      'applications.crm.entitlements.crm-admins.approval.chain.1: application "crm" has no owners',
    ]);
  });

  void test('a role granting an undeclared entitlement is an error at that grant', () => {
    const data = raw();
    data.roles.push({ id: 'bad', grants: { crm: ['crm-users', 'crm-superusers'], hr: ['payroll'] } });
    assert.deepEqual(problems(data), [
      'roles.2.grants.crm.1: entitlement "crm-superusers" is not declared under applications.crm.entitlements',
      'roles.2.grants.hr.0: entitlement "payroll" is not declared under applications.hr.entitlements',
    ]);
  });

  void test('a reminder that would come after the step times out is an error at reminderAfter', () => {
    const policy = raw();
    policy.applications.crm!.entitlements['crm-admins']!.approval = {
      chain: ['manager'],
      stepTimeout: '1h',
      reminderAfter: '5h',
    };
    assert.deepEqual(problems(policy), [
      'applications.crm.entitlements.crm-admins.approval.reminderAfter: must be shorter than stepTimeout, or the reminder would come after the step has escalated',
    ]);
  });

  void test('two roles with the same id are an error at the second', () => {
    const policy = raw();
    policy.roles.push({ id: 'sales', grants: { wiki: ['staff'] } });
    assert.deepEqual(problems(policy), ['roles.2.id: duplicate role id "sales"']);
  });

  void test('with the configured application ids, an application not configured is an error', () => {
    assert.deepEqual(problems(raw(), ['crm']), ['applications.wiki: "wiki" is not a configured application']);
  });

  void test('rejects unknown keys at every level (strict)', () => {
    const data = raw();
    data.extra = true;
    (data.applications.wiki as Record<string, unknown>).owner = ['E0300'];
    data.applications.crm!.entitlements['crm-users'] = { risk: 'medium', maxDurration: '1d' };
    data.applications.crm!.entitlements['crm-admins'] = {
      risk: 'high',
      approval: { chain: ['manager', { group: 'security', fallback: 'x' }], timeout: '1d' },
    };
    data.roles = [{ id: 'r', when: { team: ['x'] }, grants: { wiki: ['staff'] }, priority: 1 }];
    const paths = problems(data).map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(paths.sort(), [
      '(root)',
      'applications.crm.entitlements.crm-admins.approval',
      'applications.crm.entitlements.crm-admins.approval.chain.1',
      'applications.crm.entitlements.crm-users',
      'applications.wiki',
      'roles.0',
      'roles.0.when',
    ]);
  });

  void test('rejects bad values, each at its key', () => {
    const data = raw();
    data.version = '';
    data.approverGroups = { security: [], auditors: ['not an id!'] };
    data.applications.crm!.entitlements['crm-users'] = { risk: 'severe' };
    data.applications.crm!.entitlements['crm-admins'] = {
      risk: 'high',
      approval: { chain: [], stepTimeout: '2 days' },
      maxDuration: 'forever',
    };
    data.applications.Wiki = { entitlements: {} };
    data.roles = [{ id: 'r', when: { department: [] }, grants: { wiki: [] } }];
    const paths = problems(data).map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(paths.sort(), [
      'applications.Wiki',
      'applications.crm.entitlements.crm-admins.approval.chain',
      'applications.crm.entitlements.crm-admins.approval.stepTimeout',
      'applications.crm.entitlements.crm-admins.maxDuration',
      'applications.crm.entitlements.crm-users.risk',
      'approverGroups.auditors.0',
      'approverGroups.security',
      'roles.0.grants.wiki',
      'roles.0.when.department',
      'version',
    ]);
  });

  void test('an approval step is manager, owner, a group or one employee, nothing else', () => {
    const data = raw();
    data.applications.crm!.entitlements['crm-admins'] = {
      risk: 'high',
      approval: { chain: ['ceo', { employee: 'E0001' }, { employee: 'bad id' }, { group: '' }] },
    };
    const paths = problems(data).map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(paths, [
      'applications.crm.entitlements.crm-admins.approval.chain.0',
      'applications.crm.entitlements.crm-admins.approval.chain.2.employee',
      'applications.crm.entitlements.crm-admins.approval.chain.3.group',
    ]);
  });
});

const grace: Employee = {
  id: 'E1002',
  userName: 'grace.hopper',
  email: 'grace.hopper@example.com',
  givenName: 'Grace',
  familyName: 'Hopper',
  department: 'Sales',
  title: 'Sales Operations Manager',
  location: 'New York',
  employmentType: 'employee',
  managerId: 'E0001',
};

/** A policy with privileged entitlements in two applications, and roles that overlap. */
function approvalPolicy(): Policy {
  return parse({
    version: 'approvals',
    approverGroups: { security: ['E0901', 'E0900', 'E0901'], auditors: ['E1002'] },
    applications: {
      crm: {
        owners: ['E0200', 'E0201'],
        entitlements: {
          'crm-users': { risk: 'medium' },
          'crm-admins': {
            risk: 'high',
            approval: {
              chain: ['manager', 'owner', { group: 'security' }, { employee: 'E0777' }],
              stepTimeout: '2d',
              reminderAfter: '6h',
            },
            maxDuration: '30d',
          },
          'crm-root': { risk: 'critical', approval: { chain: [{ group: 'security' }], stepTimeout: '8h' } },
        },
      },
      'crm-reports': { entitlements: { viewers: {} } },
      wiki: {
        owners: ['E1002'],
        entitlements: {
          staff: {},
          admins: { risk: 'high', approval: { chain: ['owner', { group: 'auditors' }, 'manager'] } },
        },
      },
    },
    roles: [
      { id: 'all-staff', grants: { wiki: ['staff'], 'crm-reports': ['viewers'] } },
      { id: 'sales', when: { department: ['Sales'] }, grants: { crm: ['crm-users'] } },
      {
        id: 'sales-operations',
        when: { title: ['Sales Operations Manager'] },
        grants: { crm: ['crm-root', 'crm-admins', 'crm-users'], wiki: ['admins'] },
      },
    ],
  });
}

const APPS = ['wiki', 'crm', 'crm-reports'];

function plannedFor(employee: Employee, appId: string, entitlement: string) {
  const plan = planAccess(employee, approvalPolicy(), APPS, 'approvals@sha256:0123456789ab');
  const planned = plan.entitlements.find((e) => e.appId === appId && e.entitlement === entitlement);
  assert.ok(planned, `${appId}/${entitlement} should be planned`);
  return planned;
}

void describe('planAccess with approvals', () => {
  void test('resolves each step to employee ids: manager, owners, group members, one employee', () => {
    assert.deepEqual(plannedFor(grace, 'crm', 'crm-admins'), {
      appId: 'crm',
      entitlement: 'crm-admins',
      risk: 'high',
      roles: ['sales-operations'],
      approval: {
        chain: [
          { label: 'manager', approvers: ['E0001'] },
          { label: 'owner of crm', approvers: ['E0200', 'E0201'] },
          { label: 'group security', approvers: ['E0900', 'E0901'] },
          { label: 'employee E0777', approvers: ['E0777'] },
        ],
        stepTimeoutMs: 2 * DAY,
        reminderAfterMs: 6 * HOUR,
      },
      maxDurationMs: 30 * DAY,
    });
  });

  void test('the person is never their own approver: not as owner, group member, manager or named employee', () => {
    const wikiAdmins = plannedFor(grace, 'wiki', 'admins').approval?.chain;
    assert.deepEqual(wikiAdmins, [
      { label: 'owner of wiki', approvers: [] },
      { label: 'group auditors', approvers: [] },
      { label: 'manager', approvers: ['E0001'] },
    ]);
    const security = { ...grace, id: 'E0900', managerId: 'E0900' };
    assert.deepEqual(plannedFor(security, 'crm', 'crm-admins').approval?.chain, [
      { label: 'manager', approvers: [] },
      { label: 'owner of crm', approvers: ['E0200', 'E0201'] },
      { label: 'group security', approvers: ['E0901'] },
      { label: 'employee E0777', approvers: ['E0777'] },
    ]);
    const owner = { ...grace, id: 'E0200' };
    assert.deepEqual(plannedFor(owner, 'crm', 'crm-admins').approval?.chain[1], {
      label: 'owner of crm',
      approvers: ['E0201'],
    });
    const named = { ...grace, id: 'E0777' };
    assert.deepEqual(plannedFor(named, 'crm', 'crm-admins').approval?.chain[3], {
      label: 'employee E0777',
      approvers: [],
    });
  });

  void test('without a manager, the manager step has no approvers', () => {
    const { managerId: _none, ...noManager } = grace;
    assert.deepEqual(plannedFor(noManager, 'crm', 'crm-admins').approval?.chain[0], {
      label: 'manager',
      approvers: [],
    });
  });

  void test('the reminder defaults to half the step timeout', () => {
    const root = plannedFor(grace, 'crm', 'crm-root').approval;
    assert.equal(root?.stepTimeoutMs, 8 * HOUR);
    assert.equal(root?.reminderAfterMs, 4 * HOUR);
    const admins = plannedFor(grace, 'wiki', 'admins').approval;
    assert.equal(admins?.stepTimeoutMs, 2 * DAY);
    assert.equal(admins?.reminderAfterMs, DAY);
  });

  void test('only privileged entitlements with a chain carry approval, and only time-bound ones a max duration', () => {
    const users = plannedFor(grace, 'crm', 'crm-users');
    assert.equal('approval' in users, false);
    assert.equal('maxDurationMs' in users, false);
    assert.equal('maxDurationMs' in plannedFor(grace, 'crm', 'crm-root'), false);
    assert.equal(plannedFor(grace, 'crm', 'crm-admins').maxDurationMs, 30 * DAY);
  });

  void test('entitlements are sorted by application then name, each with the roles that justify it', () => {
    const plan = planAccess(grace, approvalPolicy(), APPS, 'v');
    assert.deepEqual(
      plan.entitlements.map((e) => [e.appId, e.entitlement, e.risk, e.roles]),
      [
        ['crm', 'crm-admins', 'high', ['sales-operations']],
        ['crm', 'crm-root', 'critical', ['sales-operations']],
        ['crm', 'crm-users', 'medium', ['sales', 'sales-operations']],
        ['crm-reports', 'viewers', 'low', ['all-staff']],
        ['wiki', 'admins', 'high', ['sales-operations']],
        ['wiki', 'staff', 'low', ['all-staff']],
      ],
    );
    assert.deepEqual(plan.roles, ['all-staff', 'sales', 'sales-operations']);
  });

  void test('`apps` lists the privileged entitlements too, in the configured order of applications', () => {
    const plan = planAccess(grace, approvalPolicy(), APPS, 'v');
    assert.deepEqual(plan.apps, {
      wiki: ['admins', 'staff'],
      crm: ['crm-admins', 'crm-root', 'crm-users'],
      'crm-reports': ['viewers'],
    });
  });

  void test('someone no privileged role matches gets no approval requirements', () => {
    const plan = planAccess({ ...grace, title: 'Account Executive' }, approvalPolicy(), APPS, 'v');
    assert.deepEqual(plan.apps, { wiki: ['staff'], crm: ['crm-users'], 'crm-reports': ['viewers'] });
    assert.ok(plan.entitlements.every((e) => e.approval === undefined));
  });
});
