// A worker killed in the middle of a leaver (SIGKILL: no handler runs) loses nothing: another worker
// (`npm run worker`, a process of its own) takes over once the lost attempt's heartbeat stops, and
// the report lists every removal the application saw, including those the lost attempt made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { submitHrEvent } from '../../api/intake';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { statusQuery } from '../../workflows/messages';
import type { identityWorkflow } from '../../workflows/identity';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { employee, hrEvent } from '../support/people';
import { eventually } from '../support/wait';
import { workerProcesses, type WorkerProcesses } from '../support/worker-processes';

const TOKEN = 'worker-loss-token';
const GROUPS = ['g1', 'g2', 'g3'];
const taskQueue = `worker-loss-${randomUUID()}`;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
let scim: ScimServer;
let proxy: FaultProxy;
let workers: WorkerProcesses;
let client: Client;

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, GROUPS);
  proxy = await startFaultProxy(scim.port);
  workers = await workerProcesses({ taskQueue, baseUrl: proxy.url('/v2'), token: TOKEN, groups: GROUPS });
  client = workers.client;
});

after(async () => {
  await workers?.stop();
  await proxy?.stop();
  await scim?.stop();
});

/** `npm run worker` as its own process. */
const startWorker = () => workers.start();

void test('a worker killed mid-leaver: another finishes it, and the report lists what the lost attempt removed', async () => {
  const person = employee();
  const handle = client.workflow.getHandle<typeof identityWorkflow>(identityWorkflowId(person.id));
  const first = await startWorker();
  await submitHrEvent({ client, taskQueue, settings }, hrEvent('hire', person));
  await eventually('the hire', async () => (await handle.query(statusQuery)).stage === 'active');

  // The leaver's second membership removal hangs, as if the application froze; the worker then dies.
  let removals = 0;
  const hung = proxy.holdNext(
    (method, path) => method === 'PATCH' && path.startsWith('/v2/Groups/') && ++removals === 2,
  );
  await submitHrEvent({ client, taskQueue, settings }, hrEvent('terminate', person, { urgent: true }));
  await hung;
  first.kill('SIGKILL');
  await startWorker();

  const result: IdentityResult = await handle.result();
  const crm = result.leaver.applications.find((a) => a.appId === 'crm');
  assert.equal(crm?.outcome, 'verified');
  assert.deepEqual(crm?.revoked, GROUPS, 'the removal made by the lost attempt is reported too');
  assert.equal(crm?.disabled, true);

  // What the application saw: every group of the person's was PATCHed, and none holds them now.
  const groupPatches = proxy.log.filter((line) => line.startsWith('PATCH /v2/Groups/'));
  assert.ok(groupPatches.length >= GROUPS.length + 1, proxy.log.join('\n'));
  const users = await (
    await fetch(`${scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${person.userName}"`)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).json();
  const [user] = (users as { Resources: { id: string; active: boolean }[] }).Resources;
  assert.equal(user?.active, false);
  for (const name of GROUPS) {
    const list = await (
      await fetch(`${scim.baseUrl}/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json();
    const group = (list as { Resources: { members?: { value: string }[] }[] }).Resources[0];
    assert.ok(
      !(group?.members ?? []).some((m) => m.value === user?.id),
      `${name} no longer holds the leaver`,
    );
  }
});
