// Privileged access through the approval gate, on a real Temporal dev server with a real SCIM app:
// decisions by signal and by update, refusals, escalation through the chain, and withdrawal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import type { Employee } from '../../domain/hr-event';
import type { ApprovalRequest } from '../../domain/lifecycle';
import { decideUpdate, decisionSignal, PendingApprovalsKey } from '../../workflows/messages';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { testPayloadCodec } from '../support/encryption';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { recordHistory } from '../support/histories';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { identityClient } from '../support/identity-client';
import { eventually } from '../support/wait';

const TOKEN = 'approvals-test-token';
const MANAGER = 'M0001';
const OWNER = 'O0001';
const SECURITY = ['S0001', 'S0002'];
let crm: ScimServer;
let worker: TestWorker;
let crmApp: ScimConnector;
/** In front of crm, so a grant can be made slow; checks read crm directly. */
let proxy: FaultProxy;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  proxy = await startFaultProxy(crm.port);
  await createScimGroups(crm, ['crm-users', 'crm-admins', 'crm-billing']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [{ id: 'crm', kind: 'scim', baseUrl: proxy.url('/v2'), token: { env: 'TOKEN' } }],
    owners: { crm: [OWNER] },
    approverGroups: { security: SECURITY },
    entitlements: {
      crm: {
        'crm-admins': {
          risk: 'high',
          approval: { chain: ['manager', 'owner', { group: 'security' }], stepTimeout: '1h' },
        },
        'crm-billing': {
          risk: 'critical',
          approval: { chain: ['manager', 'owner'], stepTimeout: '2s', reminderAfter: '1s' },
        },
      },
    },
    roles: [
      { id: 'sales', when: { department: ['Sales'] }, grants: { crm: ['crm-users'] } },
      { id: 'crm-admin', when: { title: ['CRM Admin'] }, grants: { crm: ['crm-admins'] } },
      { id: 'billing', when: { title: ['Billing Lead'] }, grants: { crm: ['crm-billing'] } },
    ],
  });
  crmApp = new ScimConnector({
    ...(loaded.config.applications[0] as ScimApplicationConfig),
    baseUrl: crm.baseUrl,
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await proxy?.stop();
  await crm?.stop();
});

const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);
const entitlementsOf = async (p: Employee) =>
  (await crmApp.readState({ employeeId: p.id, userName: p.userName })).entitlements;

async function pendingRequest(person: Employee): Promise<ApprovalRequest> {
  return eventually('an approval request', async () =>
    (await statusOf(person.id)).approvals.find((a) => a.status === 'pending'),
  );
}

function salesAdmin(title = 'CRM Admin'): Employee {
  return employee({ department: 'Sales', title, managerId: MANAGER });
}

void test('a privileged grant waits for approval, then is granted and verified once the manager approves by signal', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const request = await pendingRequest(person);
  assert.equal(request.stepLabel, 'manager');
  assert.deepEqual(request.approvers, [MANAGER]);
  assert.equal(request.entitlement, 'crm-admins');
  await eventually('birthright access while approval waits', async () =>
    (await entitlementsOf(person)).includes('crm-users'),
  );
  assert.deepEqual(await entitlementsOf(person), ['crm-users'], 'nothing privileged before the decision');
  const waiting = await statusOf(person.id);
  assert.equal(waiting.stage, 'joining');
  assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(PendingApprovalsKey), 1);

  await handleOf(person.id).signal(decisionSignal, {
    requestId: request.requestId,
    approve: true,
    approver: MANAGER,
    reason: 'on call',
  });
  const done = await eventually('the joiner to finish', async () => {
    const s = await statusOf(person.id);
    return s.stage === 'active' && s;
  });
  assert.deepEqual(await entitlementsOf(person), ['crm-admins', 'crm-users']);
  const decided = done.lastJoiner?.approvals[0];
  assert.equal(decided?.status, 'approved');
  assert.equal(decided?.decidedBy, MANAGER);
  assert.deepEqual(done.lastJoiner?.granted.crm, ['crm-admins', 'crm-users']);
  assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(PendingApprovalsKey), 0);
  await recordHistory(handleOf(person.id), 'approval-granted');
});

void test('the decide update rejects at once an approver who may not decide, the person themselves, and a decided request', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const { requestId } = await pendingRequest(person);
  const handle = handleOf(person.id);
  const rejected = async (approver: string, pattern: RegExp) => {
    await assert.rejects(
      handle.executeUpdate(decideUpdate, { args: [{ requestId, approve: true, approver }] }),
      (error: unknown) => {
        assert.ok(error instanceof WorkflowUpdateFailedError);
        assert.match(String(error.cause?.message), pattern);
        return true;
      },
    );
  };
  await rejected(OWNER, /may not decide .* waits for manager \(M0001\)/);
  await rejected(person.id, /nobody may approve their own access/);

  const denied = await handle.executeUpdate(decideUpdate, {
    args: [{ requestId, approve: false, approver: MANAGER, reason: 'not needed' }],
  });
  assert.equal(denied.status, 'denied');
  await rejected(MANAGER, /already denied/);
  await eventually('the joiner to finish', async () => (await statusOf(person.id)).stage === 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-users'], 'a denied grant is never made');
});

void test('a decision signal from someone who may not decide is recorded and ignored', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const { requestId } = await pendingRequest(person);
  await handleOf(person.id).signal(decisionSignal, { requestId, approve: true, approver: SECURITY[0]! });
  const request = await eventually('the refusal to be recorded', async () => {
    const r = (await statusOf(person.id)).approvals.find((a) => a.requestId === requestId);
    return r && r.rejectedDecisions.length > 0 && r;
  });
  assert.equal(request.status, 'pending');
  assert.equal(request.rejectedDecisions[0]?.approver, SECURITY[0]);
  assert.deepEqual(await entitlementsOf(person), ['crm-users']);
});

void test('an unanswered request is reminded, escalated to the next approver, and denied when the chain runs out', async () => {
  const person = salesAdmin('Billing Lead');
  await send(hrEvent('hire', person));
  const escalated = await eventually('escalation to the owner', async () => {
    const r = (await statusOf(person.id)).approvals[0];
    return r?.stepLabel === 'owner of crm' && r;
  });
  assert.deepEqual(escalated.approvers, [OWNER]);
  assert.equal(escalated.escalations, 1);
  assert.ok(escalated.reminders >= 1);
  const done = await eventually(
    'the chain to run out',
    async () => {
      const s = await statusOf(person.id);
      return s.stage === 'active' && s;
    },
    20_000,
  );
  const request = done.lastJoiner?.approvals[0];
  assert.equal(request?.status, 'denied');
  assert.equal(request?.reminders, 2);
  assert.match(request?.reason ?? '', /approval chain ran out/);
  assert.deepEqual(await entitlementsOf(person), ['crm-users']);
});

void test('a termination while approval is pending withdraws the request and nothing is granted late', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const { requestId } = await pendingRequest(person);
  await send(hrEvent('terminate', person, { urgent: true }));
  const result = await handleOf(person.id).result();
  assert.equal(result.stage, 'left');
  const status = await statusOf(person.id);
  assert.equal(status.approvals.find((a) => a.requestId === requestId)?.status, 'withdrawn');
  const state = await crmApp.readState({ employeeId: person.id, userName: person.userName });
  assert.deepEqual(state.entitlements, []);
  assert.equal(state.active, false);
  assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(PendingApprovalsKey), 0);
});

void test('a change during a pending approval withdraws it, and the change asks again only for what its plan justifies', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const first = await pendingRequest(person);
  const relocation = hrEvent('change', { ...person, location: 'Paris' });
  await send(relocation);
  const second = await eventually('a new request under the change', async () =>
    (await statusOf(person.id)).approvals.find(
      (a) => a.status === 'pending' && a.requestId !== first.requestId,
    ),
  );
  assert.equal(second.eventId, relocation.eventId);
  assert.equal(second.entitlement, 'crm-admins');
  const withdrawn = (await statusOf(person.id)).approvals.find((a) => a.requestId === first.requestId);
  assert.equal(withdrawn?.status, 'withdrawn');
  assert.equal(withdrawn?.reason, `superseded by HR event ${relocation.eventId}`);

  const retitled = hrEvent('change', { ...person, location: 'Paris', title: 'Account Executive' });
  await send(retitled);
  const done = await eventually('the second change to finish', async () => {
    const s = await statusOf(person.id);
    return s.lastJoiner?.eventId === retitled.eventId && s.stage === 'active' && s;
  });
  assert.equal(done.approvals.find((a) => a.requestId === second.requestId)?.status, 'withdrawn');
  assert.deepEqual(done.lastJoiner?.approvals, [], 'the new plan asks for nothing privileged');
  assert.equal(done.approvals.filter((a) => a.status === 'pending').length, 0);
  assert.deepEqual(await entitlementsOf(person), ['crm-users'], 'nothing privileged was granted');
  assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(PendingApprovalsKey), 0);
  await recordHistory(handleOf(person.id), 'approval-superseded');
});

void test('a rehire asks for approval again, and a decision meant for the earlier employment is refused', async () => {
  const person = salesAdmin();
  await send(hrEvent('hire', person));
  const earlier = await pendingRequest(person);
  await handleOf(person.id).executeUpdate(decideUpdate, {
    args: [{ requestId: earlier.requestId, approve: true, approver: MANAGER }],
  });
  await eventually('active', async () => (await statusOf(person.id)).stage === 'active');
  await send(hrEvent('terminate', person, { urgent: true }));
  await handleOf(person.id).result();
  assert.deepEqual(await entitlementsOf(person), []);

  await send(hrEvent('rehire', person));
  const again = await pendingRequest(person);
  assert.notEqual(again.requestId, earlier.requestId);
  assert.equal(again.entitlement, 'crm-admins');
  await assert.rejects(
    handleOf(person.id).executeUpdate(decideUpdate, {
      args: [{ requestId: earlier.requestId, approve: true, approver: MANAGER }],
    }),
    (error: unknown) => {
      assert.ok(error instanceof WorkflowUpdateFailedError);
      assert.match(String(error.cause?.message), /no approval request apr-[0-9a-f]{8}-1-/);
      return true;
    },
  );
  await eventually('birthright access for the rehire', async () =>
    (await entitlementsOf(person)).includes('crm-users'),
  );
  assert.deepEqual(await entitlementsOf(person), ['crm-users'], 'nothing privileged before the new approval');
  await handleOf(person.id).signal(decisionSignal, {
    requestId: again.requestId,
    approve: true,
    approver: MANAGER,
  });
  await eventually('the privileged grant for the rehire', async () =>
    (await entitlementsOf(person)).includes('crm-admins'),
  );
});

/** Whether a grant of `entitlement` was asked of the application after the termination was accepted. */
async function grantScheduledAfterTermination(
  person: Employee,
  terminateEventId: string,
  entitlement: string,
) {
  const { events } = await handleOf(person.id).fetchHistory();
  const list = events ?? [];
  // Each event's input as text: payloads are encrypted in the history, so decrypted first.
  const inputs = await Promise.all(
    list.map(async (e) => {
      const attributes = e.workflowExecutionSignaledEventAttributes ?? e.activityTaskScheduledEventAttributes;
      const payload = attributes?.input?.payloads?.[0];
      if (!payload) return '';
      const [decoded] = await testPayloadCodec.decode([payload]);
      return Buffer.from(decoded?.data ?? []).toString();
    }),
  );
  const accepted = list.findIndex(
    (e, index) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'hrEvent' &&
      inputs[index]!.includes(terminateEventId),
  );
  assert.ok(accepted >= 0, 'the termination is in the history');
  return list.some((e, index) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    return (
      index > accepted &&
      scheduled?.activityType?.name === 'provisionInApp' &&
      inputs[index]!.includes(entitlement)
    );
  });
}

void test('an approval decided at the moment of termination is never granted after the termination was accepted (10 trials)', async () => {
  // The termination follows the decision by 0 to 45 ms, sweeping across the moment the grant starts.
  const trial = async (lagMs: number) => {
    const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
    await send(hrEvent('hire', person));
    const request = await pendingRequest(person);
    const terminate = hrEvent('terminate', person, { urgent: true });
    await Promise.all([
      handleOf(person.id).signal(decisionSignal, {
        requestId: request.requestId,
        approve: true,
        approver: MANAGER,
      }),
      new Promise((resolve) => setTimeout(resolve, lagMs)).then(() => send(terminate)),
    ]);
    const result = await handleOf(person.id).result();
    assert.equal(
      await grantScheduledAfterTermination(person, terminate.eventId, 'crm-admins'),
      false,
      `${person.id}: no grant of crm-admins was asked for after the termination was accepted`,
    );
    assert.deepEqual(await entitlementsOf(person), []);
    // A grant already under way is waited for, so the leaver's first attempt removes it: never a
    // second attempt because a grant landed beside the leaver.
    const crm = result.leaver.applications.find((a) => a.appId === 'crm');
    assert.equal(crm?.attempts, 1, `${person.id}: verified clean at the leaver's first attempt`);
  };
  await Promise.all(Array.from({ length: 10 }, (_, i) => trial(i * 5)));
});

void test('what the status says the workflow waits for follows the approval: never stale once it is decided', async () => {
  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const request = await pendingRequest(person);
  assert.match((await statusOf(person.id)).waitingFor, /1 privileged grant\(s\) wait for approval/);
  await handleOf(person.id).signal(decisionSignal, {
    requestId: request.requestId,
    approve: true,
    approver: MANAGER,
  });
  // Decided and being granted, or done: either way nothing waits for approval any more.
  const status = await eventually('the decision to be applied', async () => {
    const s = await statusOf(person.id);
    return s.approvals.every((a) => a.status !== 'pending') && s;
  });
  assert.doesNotMatch(status.waitingFor, /approval/);
  // What the Temporal UI shows as the current details.
  const metadata = await handleOf(person.id).query<{ currentDetails?: string }>(
    '__temporal_workflow_metadata',
  );
  assert.match(metadata.currentDetails ?? '', /\*\*Now:\*\*/);
  assert.doesNotMatch(metadata.currentDetails ?? '', /wait for approval/);
});

void test('a grant under way when the termination arrives is waited for: the leaver sees it and removes it', async () => {
  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const request = await pendingRequest(person);
  await eventually('the birthright access', async () => (await entitlementsOf(person)).includes('crm-users'));
  // The approved grant reaches the application slowly; the termination comes while it is under way.
  const granting = proxy.delayNext(
    (method, path) => method === 'PATCH' && path.startsWith('/v2/Groups/'),
    1500,
  );
  await handleOf(person.id).signal(decisionSignal, {
    requestId: request.requestId,
    approve: true,
    approver: MANAGER,
  });
  await granting;
  await send(hrEvent('terminate', person, { urgent: true }));
  const result = await handleOf(person.id).result();
  const crmReport = result.leaver.applications.find((a) => a.appId === 'crm');
  assert.deepEqual(
    crmReport?.revoked,
    ['crm-admins', 'crm-users'],
    'the leaver saw the grant and removed it',
  );
  assert.equal(crmReport?.attempts, 1);
  await new Promise((resolve) => setTimeout(resolve, 1600));
  assert.deepEqual(await entitlementsOf(person), [], 'nothing landed after the leaver');
});

/** An account made in crm before jml knew the person, linked to them by externalId, holding `groups`. */
async function existingAccount(person: Employee, groups: string[]): Promise<void> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
  const created = await fetch(`${crm.baseUrl}/Users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: person.userName,
      externalId: person.id,
      active: true,
    }),
  });
  const { id } = (await created.json()) as { id: string };
  for (const name of groups) {
    const list = await fetch(
      `${crm.baseUrl}/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`,
      {
        headers,
      },
    );
    const [group] = ((await list.json()) as { Resources: { id: string }[] }).Resources;
    await fetch(`${crm.baseUrl}/Groups/${group!.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      }),
    });
  }
}

void test('a joiner adopting an existing account holds exactly its plan: privileged access found on it is removed first', async () => {
  const person = employee({ department: 'Sales' });
  await existingAccount(person, ['crm-admins', 'crm-billing']);
  await send(hrEvent('hire', person));
  const status = await eventually('active', async () => {
    const s = await statusOf(person.id);
    return s.stage === 'active' && s;
  });
  assert.deepEqual(await entitlementsOf(person), ['crm-users']);
  const crmReport = status.lastJoiner?.applications.find((a) => a.appId === 'crm');
  assert.deepEqual(crmReport?.removed, ['crm-admins', 'crm-billing']);
  assert.deepEqual(status.approvals, [], 'nothing the plan does not justify is asked for');
});

void test('privileged access an adopted account already held comes back only through approval', async () => {
  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: MANAGER });
  await existingAccount(person, ['crm-admins']);
  await send(hrEvent('hire', person));
  const request = await pendingRequest(person);
  await eventually(
    'the held privilege removed while approval is pending',
    async () => JSON.stringify(await entitlementsOf(person)) === JSON.stringify(['crm-users']),
  );
  await handleOf(person.id).signal(decisionSignal, {
    requestId: request.requestId,
    approve: true,
    approver: MANAGER,
  });
  await eventually('active', async () => (await statusOf(person.id)).stage === 'active');
  assert.deepEqual(await entitlementsOf(person), ['crm-admins', 'crm-users']);
});

void test('an approver who has left is refused, by update at once and by signal on the record', async () => {
  const manager = employee({ department: 'Sales' });
  await send(hrEvent('hire', manager));
  await eventually('the manager active', async () => (await statusOf(manager.id)).stage === 'active');
  await send(hrEvent('terminate', manager, { urgent: true }));
  await handleOf(manager.id).result();

  const person = employee({ department: 'Sales', title: 'CRM Admin', managerId: manager.id });
  await send(hrEvent('hire', person));
  const request = await pendingRequest(person);
  const decision = { requestId: request.requestId, approve: true, approver: manager.id };
  await assert.rejects(
    handleOf(person.id).executeUpdate(decideUpdate, { args: [decision] }),
    (error: unknown) => {
      assert.match(String((error as { cause?: unknown }).cause ?? error), /has left/);
      return true;
    },
  );
  await handleOf(person.id).signal(decisionSignal, decision);
  const refused = await eventually('the refusal on the record', async () => {
    const found = (await statusOf(person.id)).approvals.find((a) => a.requestId === request.requestId);
    return (found?.rejectedDecisions.length ?? 0) >= 2 && found;
  });
  assert.equal(refused.status, 'pending', 'nothing was granted');
  assert.ok(refused.rejectedDecisions.every((r) => /has left/.test(r.why)));
  assert.ok(!(await entitlementsOf(person)).includes('crm-admins'));
});
