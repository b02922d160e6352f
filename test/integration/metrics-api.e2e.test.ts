// GET /metrics on the real service, Temporal server, evidence store and SCIM application: a hire and
// an urgent termination move the time-to-provision and time-to-deprovision histograms (counted as
// the workflow writes its evidence), the lifecycle state gauges count a waiting approval and an open
// manual task from Temporal's visibility and follow them as they are settled, scrapes need the
// metrics token or the API token, and no label names a person.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { issuePersonalToken } from '../../api/personal-token';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import type { Employee, HrEvent } from '../../domain/hr-event';
import {
  identityWorkflowId,
  type ApprovalRequest,
  type IdentityStatus,
  type ManualTask,
} from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { parseExposition, type Scrape } from '../support/metrics-text';
import { employee, hrEvent } from '../support/people';
import {
  API_TOKEN as STANDALONE_TOKEN,
  HR_SECRET as STANDALONE_HR_SECRET,
  startStandaloneApi,
} from '../support/standalone-api';
import { testDataConverter } from '../support/encryption';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';

const SCIM_TOKEN = 'metrics-api-scim-token';
const API_TOKEN = 'test-api-token';
const METRICS_TOKEN = 'test-metrics-token';
const MANAGER = 'M0100';
const FULFILLER = 'F0100';
let scim: ScimServer;
let service: RunningService;

before(async () => {
  scim = await startScimServer({ token: SCIM_TOKEN });
  await createScimGroups(scim, ['crm-users', 'crm-admins']);
  const loaded = buildConfig({
    secrets: { SCIM_TOKEN, METRICS_TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'SCIM_TOKEN' } },
      { id: 'badge', kind: 'manual', fulfillers: [FULFILLER] },
    ],
    entitlements: {
      crm: { 'crm-admins': { risk: 'high', approval: { chain: ['manager'], stepTimeout: '1h' } } },
    },
    roles: [
      { id: 'everyone', grants: { crm: ['crm-users'] } },
      { id: 'ops', when: { title: ['Sales Operations Manager'] }, grants: { crm: ['crm-admins'] } },
      { id: 'lyon-office', when: { location: ['Lyon'] }, grants: { badge: ['badge-lyon'] } },
    ],
    http: { metricsToken: { env: 'METRICS_TOKEN' } },
  });
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `metrics-api-${Date.now()}` },
    logger: createLogger('metrics-api-test').child({}, { level: 'warn' }),
    httpPort: 0,
    // Every scrape reads Temporal afresh, so the test sees each change as soon as visibility has it.
    httpLimits: { metricsCacheMs: 0 },
    workflowBundle: await workflowBundle(),
  });
});

after(async () => {
  await service?.stop();
  await scim?.stop();
});

function api(path: string, init: RequestInit = {}, token = API_TOKEN): Promise<Response> {
  return fetch(`${service.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
}

async function scrape(token = METRICS_TOKEN): Promise<Scrape & { text: string }> {
  const response = await api('/metrics', {}, token);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  return { ...parseExposition(text), text };
}

async function send(event: HrEvent): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  assert.equal(response.status, 202);
}

async function stageOf(person: Employee): Promise<IdentityStatus['stage'] | undefined> {
  const response = await api(`/v1/identities/${person.id}`);
  return response.status === 200 ? ((await response.json()) as IdentityStatus).stage : undefined;
}

/** What the state gauges say, once they say it. */
async function untilState(
  what: string,
  expected: Record<string, number>,
): Promise<Scrape & { text: string }> {
  let last: Record<string, number | undefined> = {};
  try {
    return await eventually(what, async () => {
      const metrics = await scrape();
      last = Object.fromEntries(
        Object.keys(expected).map((key) => {
          const [name, stage] = key.split(':');
          return [key, metrics.value(name!, stage ? { stage } : {})];
        }),
      );
      return Object.entries(expected).every(([key, value]) => last[key] === value) && metrics;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

void test('a hire and an urgent termination each add one observation to their histogram', async () => {
  const before = await scrape();
  const count = (metrics: Scrape, name: string) => metrics.value(`${name}_count`) ?? 0;
  assert.equal(before.type('jml_time_to_provision_seconds'), 'histogram');
  assert.equal(before.type('jml_time_to_deprovision_seconds'), 'histogram');
  const person = employee();

  await send(hrEvent('hire', person));
  await eventually('the joiner to finish', async () => (await stageOf(person)) === 'active');
  const hired = await eventually('the joiner to be observed', async () => {
    const metrics = await scrape();
    return (
      count(metrics, 'jml_time_to_provision_seconds') ===
        count(before, 'jml_time_to_provision_seconds') + 1 && metrics
    );
  });
  // An immediate hire in one SCIM application is observed within the first buckets' range.
  assert.ok((hired.value('jml_time_to_provision_seconds_bucket', { le: '604800' }) ?? 0) >= 1);
  assert.equal(
    count(hired, 'jml_time_to_deprovision_seconds'),
    count(before, 'jml_time_to_deprovision_seconds'),
  );

  await send(hrEvent('terminate', person, { urgent: true }));
  await eventually('the leaver to finish', async () => (await stageOf(person)) === 'left');
  const left = await eventually('the leaver to be observed', async () => {
    const metrics = await scrape();
    return (
      count(metrics, 'jml_time_to_deprovision_seconds') ===
        count(before, 'jml_time_to_deprovision_seconds') + 1 && metrics
    );
  });
  assert.equal(count(left, 'jml_time_to_provision_seconds'), count(hired, 'jml_time_to_provision_seconds'));
  assert.ok((left.value('jml_evidence_records_total', { kind: 'hr-event' }) ?? 0) >= 2);
  assert.equal(
    left.labelValues().some((label) => label.includes(person.id) || label.includes(person.userName)),
    false,
  );
});

void test('a waiting approval and an open manual task are counted until they are settled', async () => {
  const person = employee({ title: 'Sales Operations Manager', location: 'Lyon', managerId: MANAGER });
  await send(hrEvent('hire', person));
  const waiting = await untilState('the approval and the task to be counted', {
    jml_temporal_up: 1,
    jml_approvals_waiting: 1,
    jml_manual_tasks_open: 1,
    'jml_people:joining': 1,
  });
  assert.equal(waiting.type('jml_approvals_waiting'), 'gauge');
  // On time: nobody needs to look at this person yet.
  assert.equal(waiting.value('jml_manual_tasks_overdue'), 0);
  assert.equal(waiting.value('jml_needs_attention'), 0);

  const approvals = (await (await api(`/v1/approvals?approver=${MANAGER}`)).json()) as {
    approvals: ApprovalRequest[];
  };
  const request = approvals.approvals.find((r) => r.employeeId === person.id)!;
  const decided = await api(`/v1/approvals/${request.requestId}`, {
    method: 'POST',
    body: JSON.stringify({ approve: true, approver: MANAGER }),
  });
  assert.equal(decided.status, 200);
  await untilState('the approval to leave the count', { jml_approvals_waiting: 0, jml_manual_tasks_open: 1 });

  const tasks = (await (await api(`/v1/tasks?assignee=${FULFILLER}`)).json()) as { tasks: ManualTask[] };
  const task = tasks.tasks.find((t) => t.employeeId === person.id)!;
  const attested = await api(`/v1/tasks/${task.taskId}`, {
    method: 'POST',
    body: JSON.stringify({ by: FULFILLER, note: 'badge 4411' }),
  });
  assert.equal(attested.status, 200);
  await untilState('the task to leave the count and the person to be active', {
    jml_manual_tasks_open: 0,
    'jml_people:joining': 0,
    'jml_people:active': 1,
  });
});

void test('metrics need the metrics token or the API token; a personal token or none is refused', async () => {
  assert.equal((await api('/metrics', {}, API_TOKEN)).status, 200);
  for (const token of ['wrong', issuePersonalToken(MANAGER, 'test-personal-token-secret', 3_600_000)]) {
    const refused = await api('/metrics', {}, token);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'unauthorized');
  }
  assert.equal((await fetch(`${service.apiUrl}/metrics`)).status, 401);
  assert.equal((await api('/metrics', { method: 'POST' })).status, 405);
});

void test("the process's own figures carry the jml_ prefix", async () => {
  const metrics = await scrape();
  assert.equal(metrics.type('jml_process_cpu_seconds_total'), 'counter');
  assert.ok((metrics.value('jml_process_resident_memory_bytes') ?? 0) > 0);
  assert.equal(metrics.type('jml_nodejs_eventloop_lag_seconds'), 'gauge');
});

void test('while Temporal does not answer the state gauges are left out, jml_temporal_up is 0, the rest is answered', async () => {
  // A server that takes the connection and never says a word: every call waits out its deadline.
  const held: Socket[] = [];
  const blackHole = createServer((socket) => held.push(socket));
  await new Promise<void>((done) => blackHole.listen(0, '127.0.0.1', done));
  const { port } = blackHole.address() as AddressInfo;
  const standalone = await startStandaloneApi(`127.0.0.1:${port}`, { temporalDeadlineMs: 1500 });
  try {
    const response = await fetch(`${standalone.url}/metrics`, {
      headers: { authorization: `Bearer ${STANDALONE_TOKEN}` },
    });
    assert.equal(response.status, 200);
    const metrics = parseExposition(await response.text());
    assert.equal(metrics.value('jml_temporal_up'), 0);
    for (const name of ['jml_needs_attention', 'jml_approvals_waiting', 'jml_manual_tasks_open']) {
      assert.equal(metrics.type(name), undefined, name);
    }
    assert.equal(metrics.value('jml_people', { stage: 'active' }), undefined);
    assert.equal(metrics.type('jml_process_cpu_seconds_total'), 'counter');
  } finally {
    await standalone.stop();
    for (const socket of held) socket.destroy();
    await new Promise<void>((done) => blackHole.close(() => done()));
  }
});

void test('one reading of the state serves the scrapes that follow within metricsCacheMs', async () => {
  // An API with no worker on its task queue: a hire starts the person's workflow, which stays pending.
  const standalone = await startStandaloneApi(temporalAddress(), { metricsCacheMs: 3_600_000 });
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, dataConverter: testDataConverter() });
  const person = employee();
  const pending = async () => {
    const response = await fetch(`${standalone.url}/metrics`, {
      headers: { authorization: `Bearer ${STANDALONE_TOKEN}` },
    });
    return parseExposition(await response.text()).value('jml_people', { stage: 'pending' });
  };
  try {
    assert.equal(await pending(), 0);
    const body = JSON.stringify(hrEvent('hire', person));
    const hired = await fetch(`${standalone.url}/v1/hr/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-jml-signature': signPayload(body, STANDALONE_HR_SECRET),
      },
      body,
    });
    assert.equal(hired.status, 202);
    const query = `WorkflowId = "${identityWorkflowId(person.id)}" AND LifecycleStage = "pending"`;
    await eventually(
      'Temporal to count the pending person',
      async () => (await client.workflow.count(query)).count === 1,
    );
    assert.equal(await pending(), 0, 'the reading before the hire is still served');
  } finally {
    await client.workflow.getHandle(identityWorkflowId(person.id)).terminate('test over');
    await connection.close();
    await standalone.stop();
  }
});
