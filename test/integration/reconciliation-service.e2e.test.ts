// Reconciliation through the real service: the Schedule it registers at start-up (interval from the
// configuration, triggered like the Temporal UI's "Trigger" button, re-registered with a new interval
// keeping an operator's pause, removed when turned off), and a run on request over the HTTP API that
// finds a membership added by hand in a SCIM application, revokes it and says so in its report.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import type { ReconciliationReport } from '../../domain/reconciliation';
import type { EvidenceStore } from '../../evidence/store';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import {
  reconciliationScheduleId,
  registerReconciliationSchedule,
} from '../../workers/reconciliation-schedule';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { testDataConverter } from '../support/encryption';
import { openTestEvidenceStore } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { ScimConsole } from '../support/reconciliation-scim';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'reconciliation-service-token';
const API_TOKEN = 'test-api-token';
const HOUR = 3_600_000;
const taskQueue = `reconciliation-service-${Date.now()}`;
let scim: ScimServer;
let service: RunningService;
let evidence: EvidenceStore;
let connection: Connection;
let client: Client;
const jml = identityClient(
  () => ({ client, taskQueue }),
  () => ({ joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 }),
);

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['staff', 'extra']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      {
        id: 'crm',
        kind: 'scim',
        baseUrl: scim.baseUrl,
        token: { env: 'TOKEN' },
        reconcile: { drift: 'revoke' },
      },
    ],
    roles: [{ id: 'staff', grants: { crm: ['staff'] } }],
    reconciliation: { enabled: true, interval: '2h' },
  });
  evidence = await openTestEvidenceStore();
  service = await startService({
    evidence,
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue },
    logger: createLogger('reconciliation-service-test').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
});

after(async () => {
  await client?.schedule
    .getHandle(reconciliationScheduleId(taskQueue))
    .delete()
    .catch(() => undefined);
  await service?.stop();
  await connection?.close();
  await scim?.stop();
});

function api(path: string, init: RequestInit = {}, token = API_TOKEN): Promise<Response> {
  return fetch(`${service.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
}

void describe('the reconciliation Schedule', () => {
  const schedule = () => client.schedule.getHandle(reconciliationScheduleId(taskQueue));

  void test('exists once the service has started, every reconciliation.interval, on its task queue', async () => {
    const description = await schedule().describe();
    assert.deepEqual(
      description.spec.intervals?.map((i) => i.every),
      [2 * HOUR],
    );
    assert.equal(description.action.type, 'startWorkflow');
    assert.equal(description.action.workflowType, 'reconciliationWorkflow');
    assert.equal(description.action.taskQueue, taskQueue);
  });

  void test('triggered (as from the Temporal UI) it runs a reconciliation to its report', async () => {
    await schedule().trigger();
    const workflowId = await eventually('the triggered run', async () => {
      const { info } = await schedule().describe();
      return info.recentActions[0]?.action.workflow.workflowId;
    });
    const report = (await client.workflow.getHandle(workflowId).result()) as ReconciliationReport;
    assert.equal(report.status, 'finished');
    assert.equal(report.trigger, 'schedule');
    assert.deepEqual(
      report.applications.map((a) => [a.appId, a.listing]),
      [['crm', 'complete']],
    );
  });

  void test('registered again with another interval it follows it, and an operator pause stays', async () => {
    await schedule().pause('paused by an operator');
    assert.equal(
      await registerReconciliationSchedule(client, taskQueue, { enabled: true, interval: 3 * HOUR }),
      'updated',
    );
    const description = await schedule().describe();
    assert.deepEqual(
      description.spec.intervals?.map((i) => i.every),
      [3 * HOUR],
    );
    assert.equal(description.state.paused, true);
    await schedule().unpause();
  });

  void test('turned off in the configuration it is removed', async () => {
    assert.equal(
      await registerReconciliationSchedule(client, taskQueue, { enabled: false, interval: HOUR }),
      'removed',
    );
    await assert.rejects(schedule().describe(), ScheduleNotFoundError);
    assert.equal(
      await registerReconciliationSchedule(client, taskQueue, { enabled: true, interval: 2 * HOUR }),
      'created',
    );
  });
});

void describe('POST /v1/reconciliations and GET /v1/reconciliations/<runId>', () => {
  void test("a membership added by hand is found, revoked by the person's workflow and reported verified", async () => {
    const person = employee();
    await jml.send(hrEvent('hire', person));
    await eventually(
      'the joiner',
      async () => (await jml.statusOf(person.id).catch(() => undefined))?.stage === 'active',
    );
    const console_ = new ScimConsole(scim);
    const account = await console_.userNamed(person.userName);
    await console_.addMember('extra', account.id);

    const started = await api('/v1/reconciliations', {
      method: 'POST',
      body: JSON.stringify({ appId: 'crm' }),
    });
    assert.equal(started.status, 202);
    const { runId } = (await started.json()) as { runId: string };
    const report = await eventually(
      'the run to finish',
      async () => {
        const answer = (await (await api(`/v1/reconciliations/${runId}`)).json()) as ReconciliationReport;
        return answer.status === 'finished' && answer;
      },
      60_000,
    );
    const drift = report.items.find((i) => i.employeeId === person.id);
    assert.deepEqual([drift?.class, drift?.entitlements, drift?.outcome], ['drift', ['extra'], 'verified']);
    assert.deepEqual(await console_.groupsOf(account.id), ['staff']);
  });

  void test('an application that is not configured is refused, and the API token is required', async () => {
    const unknown = await api('/v1/reconciliations', {
      method: 'POST',
      body: JSON.stringify({ appId: 'nope' }),
    });
    assert.equal(unknown.status, 404);
    const anonymous = await api('/v1/reconciliations', { method: 'POST', body: '{}' }, 'wrong-token');
    assert.equal(anonymous.status, 401);
    const missing = await api('/v1/reconciliations/reconciliation-none-such');
    assert.equal(missing.status, 404);
  });
});
