// Waits of days and weeks, on Temporal's time-skipping test server with a real SCIM app: a start
// date next month, approval escalation after days, a chain that runs out, time-bound privilege that
// expires, and a mover's overlap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import type { Employee } from '../../domain/hr-event';
import type { ApprovalRequest, IdentityStatus } from '../../domain/lifecycle';
import { decideUpdate, NeedsAttentionKey, taskDoneSignal } from '../../workflows/messages';
import { identitySettings } from '../../workers/service';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { employee, hrEvent } from '../support/people';
import { startTimeSkippingWorker, type TimeSkippingWorker } from '../support/time-skipping';
import { identityClient } from '../support/identity-client';
import { eventually } from '../support/wait';

const TOKEN = 'long-waits-token';
const MANAGER = 'M0001';
const OWNER = 'O0001';
const FULFILLER = 'F0001';
const FACILITIES_LEAD = 'F0009';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let crm: ScimServer;
let worker: TimeSkippingWorker;
let crmApp: ScimConnector;
let settings: ReturnType<typeof identitySettings>;

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  await createScimGroups(crm, ['crm-users', 'crm-eng', 'crm-sales', 'crm-admins', 'crm-billing']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: crm.baseUrl, token: { env: 'TOKEN' } },
      {
        id: 'badge',
        kind: 'manual',
        fulfillers: [FULFILLER],
        escalateTo: [FACILITIES_LEAD],
        taskTimeout: '1d',
      },
    ],
    lifecycle: { joinerLeadTime: '1d', moverOverlap: '2d' },
    owners: { crm: [OWNER] },
    entitlements: {
      crm: {
        'crm-admins': {
          risk: 'high',
          approval: { chain: ['manager', 'owner'], stepTimeout: '3d', reminderAfter: '1d' },
          maxDuration: '7d',
        },
        'crm-billing': { risk: 'critical', approval: { chain: ['manager', 'owner'], stepTimeout: '2d' } },
      },
      badge: {
        'badge-vault': {
          risk: 'high',
          approval: { chain: ['manager'], stepTimeout: '1d' },
          maxDuration: '2d',
        },
      },
    },
    roles: [
      { id: 'staff', grants: { crm: ['crm-users'] } },
      { id: 'engineering', when: { department: ['Engineering'] }, grants: { crm: ['crm-eng'] } },
      { id: 'sales', when: { department: ['Sales'] }, grants: { crm: ['crm-sales'] } },
      { id: 'crm-admin', when: { title: ['CRM Admin'] }, grants: { crm: ['crm-admins'] } },
      { id: 'billing', when: { title: ['Billing Lead'] }, grants: { crm: ['crm-billing'] } },
      { id: 'on-site', when: { location: ['Lyon'] }, grants: { badge: ['badge-lyon'] } },
      { id: 'vault', when: { title: ['Vault Keeper'] }, grants: { badge: ['badge-vault'] } },
    ],
  });
  settings = identitySettings(loaded);
  crmApp = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  worker = await startTimeSkippingWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await crm?.stop();
});

const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);
const entitlementsOf = async (p: Employee) =>
  (await crmApp.readState({ employeeId: p.id, userName: p.userName })).entitlements;
/** Moves the test server's clock; timers due in between fire in order. */
const skip = (ms: number) => worker.env.sleep(ms);
const now = async () => worker.env.currentTimeMs();
const settled = (id: string, stage: IdentityStatus['stage']) =>
  eventually(`stage ${stage}`, async () => {
    const s = await statusOf(id);
    return s.stage === stage && s.current === undefined && s;
  });
const pendingRequest = (id: string, stepLabel: string): Promise<ApprovalRequest> =>
  eventually(`a request waiting for ${stepLabel}`, async () =>
    (await statusOf(id)).approvals.find((a) => a.status === 'pending' && a.stepLabel === stepLabel),
  );

void test('a hire starting next month is provisioned one lead time before the start date, not earlier', async () => {
  const person = employee();
  const start = (await now()) + 30 * DAY;
  await send(hrEvent('hire', person, { effectiveAt: new Date(start).toISOString() }));
  await eventually('the wait for the start date', async () =>
    /waiting until .* to provision the joiner/.test((await statusOf(person.id)).waitingFor),
  );
  await skip(29 * DAY - HOUR);
  assert.equal((await statusOf(person.id)).stage, 'pending');
  assert.equal((await crmApp.readState({ employeeId: person.id, userName: person.userName })).exists, false);

  await skip(2 * HOUR);
  const done = await settled(person.id, 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-eng', 'crm-users']);
  const provisionedAt = Date.parse(done.lastJoiner!.completedAt);
  assert.ok(provisionedAt >= start - DAY && provisionedAt < start, 'provisioned within the lead time');
});

void test('an approval unanswered for days is reminded, escalates to the owner, and the owner grants it', async () => {
  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const asked = await pendingRequest(person.id, 'manager');
  await skip(DAY + MINUTE);
  await eventually('a reminder', async () => (await statusOf(person.id)).approvals[0]?.reminders === 1);
  await skip(2 * DAY);
  const escalated = await pendingRequest(person.id, 'owner of crm');
  assert.equal(escalated.requestId, asked.requestId);
  assert.equal(escalated.escalations, 1);
  assert.deepEqual(escalated.approvers, [OWNER]);
  assert.deepEqual(await entitlementsOf(person), ['crm-sales', 'crm-users'], 'nothing privileged yet');

  const decided = await handleOf(person.id).executeUpdate(decideUpdate, {
    args: [{ requestId: asked.requestId, approve: true, approver: OWNER, reason: 'quarter close' }],
  });
  assert.equal(decided.status, 'approved');
  const done = await settled(person.id, 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-admins', 'crm-sales', 'crm-users']);
  assert.equal(done.lastJoiner?.approvals[0]?.decidedBy, OWNER);
});

void test('an approval nobody decides runs out the whole chain over days and is denied', async () => {
  const person = employee({ department: 'Sales', title: 'Billing Lead', managerId: MANAGER });
  await send(hrEvent('hire', person));
  await pendingRequest(person.id, 'manager');
  await skip(2 * DAY + MINUTE);
  await pendingRequest(person.id, 'owner of crm');
  await skip(2 * DAY + MINUTE);
  const done = await settled(person.id, 'active');
  const request = done.lastJoiner?.approvals[0];
  assert.equal(request?.status, 'denied');
  assert.equal(request?.escalations, 1);
  assert.match(request?.reason ?? '', /approval chain ran out/);
  assert.deepEqual(await entitlementsOf(person), ['crm-sales', 'crm-users']);
});

void test('time-bound privilege is removed when its maximum duration ends, verified by read-back', async () => {
  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const { requestId } = await pendingRequest(person.id, 'manager');
  await handleOf(person.id).executeUpdate(decideUpdate, {
    args: [{ requestId, approve: true, approver: MANAGER }],
  });
  const granted = await settled(person.id, 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-admins', 'crm-sales', 'crm-users']);
  const [expiry] = granted.scheduled;
  assert.equal(granted.scheduled.length, 1);
  assert.equal(expiry?.reason, 'expiry');
  assert.equal(expiry?.entitlement, 'crm-admins');
  assert.equal(expiry?.source, requestId);
  const grantedAt = Date.parse(granted.lastJoiner!.completedAt);
  assert.ok(
    Math.abs(Date.parse(expiry.dueAt) - (grantedAt + 7 * DAY)) < MINUTE,
    'due 7 days after the grant',
  );

  await skip(7 * DAY - HOUR);
  assert.deepEqual(await entitlementsOf(person), ['crm-admins', 'crm-sales', 'crm-users'], 'still valid');
  await skip(2 * HOUR);
  const expired = await eventually('the expiry to be recorded', async () => {
    const s = await statusOf(person.id);
    return s.revocations.length > 0 && s;
  });
  const [record] = expired.revocations;
  assert.equal(record?.outcome, 'revoked');
  assert.equal(record?.reason, 'expiry');
  assert.deepEqual(record?.verifiedState?.entitlements, ['crm-sales', 'crm-users']);
  assert.deepEqual(await entitlementsOf(person), ['crm-sales', 'crm-users']);
  assert.deepEqual(expired.scheduled, []);
  assert.equal(expired.stage, 'active');

  // Asking again needs a new approval: a later change does not quietly restore it.
  await send(hrEvent('change', { ...person, location: 'Paris' }));
  const again = await pendingRequest(person.id, 'manager');
  assert.notEqual(again.requestId, requestId);
  assert.deepEqual(await entitlementsOf(person), ['crm-sales', 'crm-users']);
});

void test("a mover keeps the old role's access through the overlap, then loses it, verified", async () => {
  const person = employee({ department: 'Engineering' });
  await send(hrEvent('hire', person));
  await settled(person.id, 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-eng', 'crm-users']);

  const moved = { ...person, department: 'Sales' };
  const change = hrEvent('change', moved);
  await send(change);
  const during = await eventually('the mover to finish', async () => {
    const s = await statusOf(person.id);
    return s.lastJoiner?.eventId === change.eventId && s.stage === 'active' && s;
  });
  assert.deepEqual(await entitlementsOf(person), ['crm-eng', 'crm-sales', 'crm-users']);
  assert.deepEqual(
    during.lastJoiner?.revokeLater.map((r) => [r.entitlement, r.reason, r.source]),
    [['crm-eng', 'mover-overlap', change.eventId]],
  );
  assert.deepEqual(during.lastJoiner?.drift, {}, 'access kept for the overlap is not drift');

  await skip(2 * DAY + MINUTE);
  const after = await eventually('the overlap to end', async () => {
    const s = await statusOf(person.id);
    return s.revocations.length > 0 && s;
  });
  assert.equal(after.revocations[0]?.outcome, 'revoked');
  assert.deepEqual(after.revocations[0]?.verifiedState?.entitlements, ['crm-sales', 'crm-users']);
  assert.deepEqual(await entitlementsOf(person), ['crm-sales', 'crm-users']);
});

void test('moving back during the overlap keeps the access the person needs again', async () => {
  const person = employee({ department: 'Engineering' });
  await send(hrEvent('hire', person));
  await settled(person.id, 'active');
  await send(hrEvent('change', { ...person, department: 'Sales' }));
  const back = hrEvent('change', person);
  await send(back);
  const done = await eventually('both moves', async () => {
    const s = await statusOf(person.id);
    return s.lastJoiner?.eventId === back.eventId && s.stage === 'active' && s;
  });
  assert.deepEqual(
    done.scheduled.map((r) => r.entitlement),
    ['crm-sales'],
  );
  await skip(2 * DAY + MINUTE);
  await eventually('the overlap to end', async () => (await statusOf(person.id)).revocations.length > 0);
  assert.deepEqual(await entitlementsOf(person), ['crm-eng', 'crm-users']);
});

void test('an overdue manual task is escalated each day and flagged for attention until someone attests it', async () => {
  const person = employee({ location: 'Lyon' });
  await send(hrEvent('hire', person));
  const task = await eventually('the badge task', async () => (await statusOf(person.id)).tasks[0]);
  assert.deepEqual(task.assignees, [FULFILLER]);
  await skip(DAY + MINUTE);
  const escalated = await eventually('the escalation', async () => {
    const t = (await statusOf(person.id)).tasks[0];
    return t?.escalations === 1 && t;
  });
  assert.deepEqual(escalated.assignees, [FULFILLER, FACILITIES_LEAD]);
  const attribute = async () =>
    (await handleOf(person.id).describe()).typedSearchAttributes.get(NeedsAttentionKey);
  assert.equal(await attribute(), true);
  const evidence = await openTestEvidenceStore();
  try {
    const flagged = await eventually('the overdue task on the record', async () => {
      const chain = await evidence.chainOf(person.id);
      return chain.find((r) => r.kind === 'attention' && r.appId === 'badge');
    });
    assert.equal((flagged.body as { reason: string }).reason, 'task-overdue');
  } finally {
    await evidence.close();
  }
  await skip(DAY);
  await eventually(
    'a second escalation',
    async () => (await statusOf(person.id)).tasks[0]?.escalations === 2,
  );
  assert.equal((await statusOf(person.id)).stage, 'joining', 'never given up');

  await handleOf(person.id).signal(taskDoneSignal, { taskId: task.taskId, by: FACILITIES_LEAD });
  const done = await settled(person.id, 'active');
  assert.equal(
    done.lastJoiner?.applications.find((a) => a.appId === 'badge')?.attestation?.by,
    FACILITIES_LEAD,
  );
  assert.equal(await attribute(), false);
});

void test('a termination while an expiry waits for manual work withdraws that task; the leaver asks for everything', async () => {
  const person = employee({ location: 'Lyon', title: 'Vault Keeper', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const { requestId } = await eventually(
    'the vault request',
    async () => (await statusOf(person.id)).approvals[0],
  );
  await handleOf(person.id).executeUpdate(decideUpdate, {
    args: [{ requestId, approve: true, approver: MANAGER }],
  });
  const attest = async (appId: string, match: RegExp) => {
    const task = await eventually(`a task to ${String(match)}`, async () =>
      (await statusOf(person.id)).tasks.find(
        (t) => t.status === 'open' && t.appId === appId && match.test(t.instructions),
      ),
    );
    await handleOf(person.id).signal(taskDoneSignal, { taskId: task.taskId, by: FULFILLER });
    return task;
  };
  await attest('badge', /grant badge-lyon$/);
  await attest('badge', /grant badge-vault$/);
  const active = await settled(person.id, 'active');
  assert.deepEqual(active.lastJoiner?.granted.badge, ['badge-lyon', 'badge-vault']);
  assert.deepEqual(
    active.scheduled.map((r) => [r.entitlement, r.reason]),
    [['badge-vault', 'expiry']],
  );

  await skip(2 * DAY + MINUTE);
  const expiry = await eventually('the expiry task', async () =>
    (await statusOf(person.id)).tasks.find(
      (t) => t.status === 'open' && t.instructions === 'revoke badge-vault',
    ),
  );
  await send(hrEvent('terminate', person, { urgent: true }));
  const leaverTask = await attest('badge', /^disable the account/);
  assert.deepEqual(
    leaverTask.revoke,
    ['badge-lyon', 'badge-vault'],
    'the leaver asks for everything jml holds',
  );
  const result = await handleOf(person.id).result();
  assert.equal(result.stage, 'left');
  const final = await statusOf(person.id);
  assert.equal(final.tasks.find((t) => t.taskId === expiry.taskId)?.status, 'withdrawn');
  assert.deepEqual(final.scheduled, []);
});
