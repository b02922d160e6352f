// An application's rate limit holds across workers: two `npm run worker` processes on one task queue take leavers
// from the same burst, the application (scim2-server behind a proxy that answers 429 beyond its rate)
// never has to refuse one of their requests, its calls run on its own task queue, and every leaver is
// read back clean in the application itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { submitHrEvent } from '../../api/intake';
import { applicationTaskQueue } from '../../domain/application-queues';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { SHARES_EVERY_MS, workersIn } from '../../workers/limit-shares';
import { employee, hrEvent } from '../support/people';
import { eventually } from '../support/wait';
import { workerProcesses, type WorkerProcesses } from '../support/worker-processes';

const TOKEN = 'rate-token';
const RATE = 10;
const LEAVERS = 20;
const GROUPS = ['g1', 'g2'];
const taskQueue = `rate-${randomUUID()}`;
const appQueue = applicationTaskQueue(taskQueue, 'crm');
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
let scim: ScimServer;
let proxy: FaultProxy;
let workers: WorkerProcesses;
let client: Client;

async function scimJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${scim.baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
  });
  assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, GROUPS);
  proxy = await startFaultProxy(scim.port, { latencyMs: 20 });
  // The application serves RATE requests a second (half a second's worth at once) and refuses the rest.
  proxy.limitRate(RATE, RATE / 2);
  workers = await workerProcesses({
    taskQueue,
    baseUrl: proxy.url('/v2'),
    token: TOKEN,
    groups: GROUPS,
    crm: { rateLimit: RATE },
  });
  client = workers.client;
  await Promise.all([workers.start(), workers.start()]);
});

after(async () => {
  await workers?.stop();
  await proxy?.stop();
  await scim?.stop();
});

void test('two workers share an application’s rate limit: a burst of leavers is never refused, and each is verified', async () => {
  // People jml finds in the application, tied to them by externalId, in both groups.
  const people = Array.from({ length: LEAVERS }, () => employee());
  const ids: string[] = [];
  for (const person of people) {
    const user = await scimJson<{ id: string }>('/Users', {
      method: 'POST',
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: person.userName,
        externalId: person.id,
        active: true,
      }),
    });
    ids.push(user.id);
  }
  const groups = await scimJson<{ Resources: { id: string; displayName: string }[] }>('/Groups');
  for (const group of groups.Resources) {
    await scimJson(`/Groups/${group.id}`, {
      method: 'PATCH',
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
      }),
    });
  }

  // Both workers poll the application's task queue; once each has counted the other, each takes half.
  await eventually('two workers on the application’s task queue', async () => {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: appQueue },
      taskQueueType: 2,
    });
    return workersIn(pollers ?? [], Date.now()) === 2;
  });
  await sleep(SHARES_EVERY_MS + 1_000);

  await Promise.all(
    people.map((p) =>
      submitHrEvent({ client, taskQueue, settings }, hrEvent('terminate', p, { urgent: true })),
    ),
  );
  const results = await Promise.all(
    people.map(
      (p) => client.workflow.getHandle(identityWorkflowId(p.id)).result() as Promise<IdentityResult>,
    ),
  );
  for (const result of results) {
    assert.deepEqual(
      result.leaver.applications.map((a) => [a.appId, a.outcome]),
      [['crm', 'verified']],
    );
  }
  assert.equal(proxy.rateLimited, 0, 'the application never had to refuse a request');

  // The calls ran on the application's own task queue, and both workers took some.
  const workersSeen = new Set<string>();
  for (const p of people) {
    const { events } = await client.workflow.getHandle(identityWorkflowId(p.id)).fetchHistory();
    const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    const calls = scheduled.filter((e) =>
      ['deprovisionInApp', 'readAppState'].includes(
        e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
      ),
    );
    assert.ok(calls.length >= 1, 'a deprovision that reads back');
    for (const call of calls)
      assert.equal(call.activityTaskScheduledEventAttributes?.taskQueue?.name, appQueue);
    for (const e of events ?? []) {
      const identity = e.activityTaskStartedEventAttributes?.identity;
      if (identity) workersSeen.add(identity);
    }
  }
  assert.ok(workersSeen.size >= 2, `activities ran on ${[...workersSeen].join(', ')}`);

  // In the application itself: every leaver inactive and in no group.
  for (const id of ids) {
    const user = await scimJson<{ active?: boolean }>(`/Users/${id}`);
    assert.equal(user.active, false);
  }
  const after = await scimJson<{ Resources: { members?: unknown[] }[] }>('/Groups');
  for (const group of after.Resources) assert.equal(group.members?.length ?? 0, 0);
});
