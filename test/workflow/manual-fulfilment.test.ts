// An application without an API beside a real SCIM app, on a real Temporal dev server: the joiner
// and the leaver open tasks, wait for someone allowed to attest them, and keep the attestation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { TaskNotice } from '../../connectors/manual/task-channel';
import type { ScimApplicationConfig } from '../../domain/config';
import type { Employee } from '../../domain/hr-event';
import type { ManualTask } from '../../domain/lifecycle';
import {
  completeTaskUpdate,
  NeedsAttentionKey,
  OpenTasksKey,
  taskDoneSignal,
} from '../../workflows/messages';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { recordHistory } from '../support/histories';
import { identityClient } from '../support/identity-client';
import { eventually } from '../support/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'manual-test-token';
const FULFILLER = 'F0001';
let crm: ScimServer;
let hook: WebhookReceiver;
let worker: TestWorker;
let crmApp: ScimConnector;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  await createScimGroups(crm, ['crm-users']);
  hook = await startWebhookReceiver();
  const loaded = buildConfig({
    secrets: { TOKEN, HOOK_TOKEN: 'hook-token' },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: crm.baseUrl, token: { env: 'TOKEN' } },
      {
        id: 'badge',
        kind: 'manual',
        deprovision: 'delete',
        fulfillers: [FULFILLER],
        escalateTo: ['F0002'],
        taskTimeout: '1h',
        webhook: { url: hook.url, token: { env: 'HOOK_TOKEN' } },
      },
      { id: 'lockers', kind: 'manual', fulfillers: [FULFILLER], leaverTask: 'always' },
    ],
    roles: [
      { id: 'staff', grants: { crm: ['crm-users'] } },
      { id: 'employees', when: { employmentType: ['employee'] }, grants: { badge: ['badge-hq'] } },
    ],
  });
  crmApp = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await crm?.stop();
  await hook?.stop();
});

const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);
const openTask = (person: Employee): Promise<ManualTask> =>
  eventually('an open manual task', async () =>
    (await statusOf(person.id)).tasks.find((t) => t.status === 'open'),
  );
const openTasksAttribute = async (person: Employee) =>
  (await handleOf(person.id).describe()).typedSearchAttributes.get(OpenTasksKey);
/** The lockers application asks about every leaver; its fulfiller finds nothing and says so. */
async function attestLockers(person: Employee): Promise<void> {
  const task = await eventually('the lockers task', async () =>
    (await statusOf(person.id)).tasks.find((t) => t.status === 'open' && t.appId === 'lockers'),
  );
  assert.equal(task.instructions, 'disable the account and remove every access it holds');
  await handleOf(person.id).signal(taskDoneSignal, { taskId: task.taskId, by: FULFILLER, note: 'no locker' });
}

const noticesFor = (taskId: string) =>
  hook.received.map((r) => r.body as TaskNotice).filter((n) => n.taskId === taskId);

void test('a joiner opens a task for the manual application and is active only once a fulfiller attests it', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const task = await openTask(person);
  assert.equal(task.appId, 'badge');
  assert.deepEqual(task.grant, ['badge-hq']);
  assert.equal(task.instructions, 'create the account if missing and grant badge-hq');
  assert.deepEqual(task.assignees, [FULFILLER]);
  const [notice] = noticesFor(task.taskId);
  assert.equal(notice?.kind, 'opened');
  assert.equal(notice?.userName, person.userName, 'the fulfiller is told which account');
  assert.match(notice?.complete ?? '', /taskDone/);
  await eventually('SCIM access while the task waits', async () =>
    (await crmApp.readState({ employeeId: person.id, userName: person.userName })).entitlements.includes(
      'crm-users',
    ),
  );
  assert.equal((await statusOf(person.id)).stage, 'joining');
  assert.equal(await openTasksAttribute(person), 1);

  await handleOf(person.id).signal(taskDoneSignal, {
    taskId: task.taskId,
    by: FULFILLER,
    note: 'badge #4411',
  });
  const done = await eventually('the joiner to finish', async () => {
    const s = await statusOf(person.id);
    return s.stage === 'active' && s;
  });
  const badge = done.lastJoiner?.applications.find((a) => a.appId === 'badge');
  assert.equal(badge?.attestation?.by, FULFILLER);
  assert.equal(badge?.attestation?.note, 'badge #4411');
  assert.deepEqual(badge?.verifiedState.entitlements, ['badge-hq']);
  assert.deepEqual(done.lastJoiner?.granted.badge, ['badge-hq']);
  assert.equal(await openTasksAttribute(person), 0);
});

void test('completeTask rejects at once someone who is not assigned, and the person themselves', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const { taskId } = await openTask(person);
  const rejected = async (by: string, pattern: RegExp) =>
    assert.rejects(
      handleOf(person.id).executeUpdate(completeTaskUpdate, { args: [{ taskId, by }] }),
      (error: unknown) => {
        assert.ok(error instanceof WorkflowUpdateFailedError);
        assert.match(String(error.cause?.message), pattern);
        return true;
      },
    );
  await rejected('X0001', /X0001 may not attest task .* assigned to F0001/);
  await rejected(person.id, /nobody may attest work on their own access/);
  const task = await handleOf(person.id).executeUpdate(completeTaskUpdate, {
    args: [{ taskId, by: FULFILLER }],
  });
  assert.equal(task.status, 'done');
  await rejected(FULFILLER, /already done/);
});

void test('a leaver is not done until someone attests the manual application is cleaned up', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const joinTask = await openTask(person);
  await handleOf(person.id).signal(taskDoneSignal, { taskId: joinTask.taskId, by: FULFILLER });
  await eventually('active', async () => (await statusOf(person.id)).stage === 'active');

  await send(hrEvent('terminate', person, { urgent: true }));
  const leaveTask = await eventually('the leaver task', async () =>
    (await statusOf(person.id)).tasks.find((t) => t.status === 'open' && t.appId === 'badge'),
  );
  await attestLockers(person);
  assert.equal(
    leaveTask.instructions,
    "delete the account and remove every access it holds (jml's record: badge-hq)",
  );
  await eventually('SCIM verified clean', async () => {
    const s = await statusOf(person.id);
    return s.apps.find((a) => a.appId === 'crm')?.status === 'verified';
  });
  const waiting = await statusOf(person.id);
  assert.equal(waiting.stage, 'leaving', 'the leaver waits for the attestation');
  assert.equal((await handleOf(person.id).describe()).status.name, 'RUNNING');

  await handleOf(person.id).signal(taskDoneSignal, { taskId: leaveTask.taskId, by: FULFILLER });
  const result = await handleOf(person.id).result();
  const badge = result.leaver.applications.find((a) => a.appId === 'badge');
  assert.equal(badge?.attestation?.by, FULFILLER);
  assert.equal(badge?.evidence, 'attestation');
  assert.equal(badge?.deleted, true);
  assert.deepEqual(badge?.revoked, ['badge-hq']);
  assert.equal(result.leaver.applications.find((a) => a.appId === 'crm')?.verifiedState.active, false);
  await recordHistory(handleOf(person.id), 'manual-leaver');
});

void test('a leaver holding nothing in a manual application is not held up by it, unless it always asks', async () => {
  const contractor = employee({ employmentType: 'contractor' });
  await send(hrEvent('hire', contractor));
  await eventually('active', async () => (await statusOf(contractor.id)).stage === 'active');
  assert.deepEqual((await statusOf(contractor.id)).tasks, [], 'no manual work for a contractor joiner');

  await send(hrEvent('terminate', contractor, { urgent: true }));
  await attestLockers(contractor);
  const result = await handleOf(contractor.id).result();
  const byApp = Object.fromEntries(result.leaver.applications.map((a) => [a.appId, a]));
  assert.equal(byApp.badge?.evidence, 'record', 'jml held nothing in badge: no task');
  assert.equal(byApp.badge?.attestation, undefined);
  assert.equal(byApp.lockers?.evidence, 'attestation');
  assert.equal(byApp.lockers?.attestation?.note, 'no locker');
  assert.equal(byApp.crm?.evidence, 'read-back');
  assert.deepEqual(
    (await statusOf(contractor.id)).tasks.map((t) => t.appId),
    ['lockers'],
  );
});

void test('a termination while a grant task is open turns it into a removal task: what may have been done by hand is checked', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const grantTask = await openTask(person);
  assert.deepEqual(grantTask.grant, ['badge-hq']);

  await send(hrEvent('terminate', person, { urgent: true }));
  const removal = await eventually('the badge removal task', async () =>
    (await statusOf(person.id)).tasks.find((t) => t.status === 'open' && t.appId === 'badge'),
  );
  assert.deepEqual(removal.revoke, ['badge-hq']);
  assert.equal(removal.deprovision, 'delete');
  assert.match(removal.instructions, /badge-hq/);
  const withdrawn = (await statusOf(person.id)).tasks.find((t) => t.taskId === grantTask.taskId);
  assert.equal(withdrawn?.status, 'withdrawn');

  await handleOf(person.id).signal(taskDoneSignal, {
    taskId: removal.taskId,
    by: FULFILLER,
    note: 'badge returned',
  });
  await attestLockers(person);
  const result = await handleOf(person.id).result();
  const badge = result.leaver.applications.find((a) => a.appId === 'badge');
  assert.equal(badge?.evidence, 'attestation');
  assert.deepEqual(badge?.revoked, ['badge-hq']);
  assert.equal(badge?.attestation?.note, 'badge returned');
});

void test('a mover who no longer needs the manual access gets a revoke task, and holds nothing there once it is attested', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const grant = await openTask(person);
  await handleOf(person.id).signal(taskDoneSignal, { taskId: grant.taskId, by: FULFILLER });
  await eventually('active', async () => (await statusOf(person.id)).stage === 'active');

  const change = hrEvent('change', { ...person, employmentType: 'contractor' });
  await send(change);
  const revoke = await openTask(person);
  assert.deepEqual([revoke.grant, revoke.revoke, revoke.source], [[], ['badge-hq'], change.eventId]);
  assert.equal(revoke.instructions, 'revoke badge-hq');
  await handleOf(person.id).signal(taskDoneSignal, { taskId: revoke.taskId, by: FULFILLER });
  const moved = await eventually('the move to finish', async () => {
    const s = await statusOf(person.id);
    return s.lastJoiner?.eventId === change.eventId && s.stage === 'active' && s;
  });
  assert.deepEqual(moved.lastJoiner?.granted.badge, []);
  assert.equal(moved.lastJoiner?.applications.find((a) => a.appId === 'badge')?.evidence, 'attestation');
});

void test('a task whose webhook keeps failing is flagged, and attesting it anyway ends the step', async () => {
  hook.failAll(400);
  try {
    const person = employee();
    await send(hrEvent('hire', person));
    const task = await openTask(person);
    await eventually('the delivery problem to be flagged', async () => {
      const badge = (await statusOf(person.id)).apps.find((a) => a.appId === 'badge');
      return (
        badge?.status === 'failing' &&
        /could not be sent: .*task webhook answered 400/.test(badge.lastProblem ?? '')
      );
    });
    assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(NeedsAttentionKey), true);
    await handleOf(person.id).signal(taskDoneSignal, { taskId: task.taskId, by: FULFILLER });
    await eventually('the joiner to finish', async () => (await statusOf(person.id)).stage === 'active');
    assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(NeedsAttentionKey), false);
  } finally {
    hook.failAll(undefined);
  }
});
