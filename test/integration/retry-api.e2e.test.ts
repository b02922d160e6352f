// An operator's retry through the HTTP API and the CLI, against the real service, Temporal server and
// SCIM application: an application that keeps failing (its group is missing) is tried again at once
// instead of after its backoff, by the workflow's own `retry` signal; refusals answer 400, 401, 403
// and 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { signPayload } from '../../api/signature';
import { issuePersonalToken } from '../../api/personal-token';
import type { RetryAccepted } from '../../api/retry';
import { createLogger } from '../../common/logger';
import type { Employee, HrEvent } from '../../domain/hr-event';
import type { AppProgress, IdentityStatus } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { testDataConverter, testPayloadCodec } from '../support/encryption';
import { employee, hrEvent } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { Client, Connection } from '@temporalio/client';
import { openTestEvidenceStore } from '../support/evidence';
import type { EvidenceStore } from '../../evidence/store';

const TOKEN = 'retry-api-token';
const API_TOKEN = 'test-api-token';
let scim: ScimServer;
let service: RunningService;
let evidence: EvidenceStore;
let connection: Connection;
let client: Client;

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [{ id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'TOKEN' } }],
    roles: [{ id: 'staff', grants: { crm: ['crm-users'] } }],
    // A long ceiling, so that the backoff soon waits far longer than a retry takes.
    lifecycle: { maxRetryInterval: '1h' },
  });
  evidence = await openTestEvidenceStore();
  service = await startService({
    evidence,
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `retry-api-${Date.now()}` },
    logger: createLogger('retry-api-test').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
});

after(async () => {
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

function retry(employeeId: string, body?: unknown, token?: string): Promise<Response> {
  return api(
    `/v1/identities/${employeeId}/retry`,
    { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) },
    token,
  );
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

async function statusOf(employeeId: string): Promise<IdentityStatus> {
  return (await (await api(`/v1/identities/${employeeId}`)).json()) as IdentityStatus;
}

async function crmProgress(employeeId: string): Promise<AppProgress | undefined> {
  return (await statusOf(employeeId)).apps.find((a) => a.appId === 'crm');
}

function jml(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cli = join(__dirname, '..', '..', 'cli', 'main.ts');
  const env = { ...process.env, JML_URL: service.apiUrl, JML_API_TOKEN: API_TOKEN };
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', cli, ...args], { env }, (error, out, err) => {
      done({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

/** Once the application is failing in a backoff of at least `backoffMs`: its attempt count then. */
async function failingInBackoff(person: Employee, backoffMs: number): Promise<number> {
  // The n-th failed attempt waits 2^(n-1) s (workflows/until-verified.ts) before the next.
  const attempts = 1 + Math.log2(backoffMs / 1000);
  const crm = await eventually(
    `crm to have failed ${attempts} times`,
    async () => {
      const progress = await crmProgress(person.id);
      const waiting = progress?.status === 'failing' && progress.lastProblem && progress.attempts >= attempts;
      return waiting ? progress : undefined;
    },
    60_000,
  );
  assert.match(crm.lastProblem ?? '', /group "crm-users" does not exist/);
  return crm.attempts;
}

/**
 * The next attempt comes within `withinMs`, well before the backoff would have let it, and fails
 * again (the application is still broken), so the step is back in its backoff.
 */
async function triedAgain(person: Employee, after: number, withinMs: number): Promise<void> {
  await eventually(
    'another attempt at once, failed again',
    async () => {
      const crm = await crmProgress(person.id);
      return (crm?.attempts ?? 0) > after && crm?.status === 'failing';
    },
    withinMs,
  );
}

void test('a failing application is tried again at once, by the API or the CLI, through the retry signal', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  const failedTimes = await failingInBackoff(person, 8000);

  const viaApi = await retry(person.id, { appId: 'crm', by: 'Jo Operator' });
  assert.equal(viaApi.status, 202);
  assert.deepEqual(await viaApi.json(), {
    workflowId: `identity-${person.id}`,
    employeeId: person.id,
    appId: 'crm',
    retrying: ['crm'],
  });
  await triedAgain(person, failedTimes, 4000);

  const viaCli = await jml('retry', person.id, '--by', 'E0001');
  assert.equal(viaCli.code, 0, viaCli.err);
  assert.equal(viaCli.out.trim(), `${person.id}: trying again now: crm`);
  await triedAgain(person, failedTimes + 1, 4000);

  // Fixed in the application: one more retry, without waiting for a backoff of 16 s and more.
  await createScimGroups(scim, ['crm-users']);
  assert.equal((await retry(person.id)).status, 202, 'no body: every failing application');
  await eventually(
    'the person to be active',
    async () => (await statusOf(person.id)).stage === 'active',
    8000,
  );

  // Every run of the person's workflow, oldest first: a long retry may have continued it as new.
  const runs = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "identity-${person.id}"` }))
    runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const events = [];
  for (const run of runs) {
    events.push(
      ...((await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? []),
    );
  }
  const retryInputs = events
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((s) => s?.signalName === 'retry')
    .map((s) => s!.input!.payloads![0]!);
  // Encrypted in the history: decrypted as the worker does before reading them.
  const signals = (await testPayloadCodec.decode(retryInputs ?? [])).map(
    (p) => JSON.parse(Buffer.from(p.data!).toString()) as unknown,
  );
  assert.deepEqual(
    signals,
    [{ appId: 'crm', by: 'Jo Operator', via: 'api' }, { by: 'E0001', via: 'api' }, { via: 'api' }],
    "the workflow's retry signal, with the application asked for and who asked",
  );
  // Each retry is an operator's override, on the person's evidence record.
  const overrides = (await evidence.chainOf(person.id)).filter((r) => r.kind === 'override');
  assert.deepEqual(
    overrides.map((r) => ({ appId: r.appId, ...(r.body as object) })),
    [
      { appId: 'crm', action: 'retry', step: 'joiner', by: 'Jo Operator', via: 'api' },
      { appId: 'crm', action: 'retry', step: 'joiner', by: 'E0001', via: 'api' },
      { appId: 'crm', action: 'retry', step: 'joiner', by: 'an operator', via: 'api' },
    ],
  );

  const nothing = await retry(person.id, {});
  assert.equal(nothing.status, 202);
  assert.deepEqual(((await nothing.json()) as RetryAccepted).retrying, []);
  const nothingViaCli = await jml('retry', person.id, '--app', 'crm');
  assert.equal(nothingViaCli.code, 0, nothingViaCli.err);
  assert.equal(
    nothingViaCli.out.trim(),
    `${person.id}: nothing is failing in crm, so there is nothing to retry`,
  );

  const elsewhere = await retry(person.id, { appId: 'wiki' });
  assert.equal(elsewhere.status, 404);
  assert.match(((await elsewhere.json()) as { message: string }).message, /no step in application "wiki"/);

  await send(hrEvent('terminate', person, { urgent: true }));
  await client.workflow.getHandle(`identity-${person.id}`).result();
  const finished = await retry(person.id);
  assert.equal(finished.status, 404, 'a finished workflow takes no retry');
  const finishedViaCli = await jml('retry', person.id);
  assert.equal(finishedViaCli.code, 1);
  assert.match(
    finishedViaCli.err,
    new RegExp(`retry refused \\(404\\): no running identity workflow for ${person.id}`),
  );
});

void test('retry refuses an unknown person, a bad request and anyone without the API token', async () => {
  assert.equal((await retry('E404404')).status, 404);
  for (const [body, problem] of [
    [{ app: 'crm' }, '(root)'],
    [{ appId: 'CRM!' }, 'appId'],
    [{ appId: 7 }, 'appId'],
  ] as const) {
    const response = await retry('E1001', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    const answer = (await response.json()) as { error: string; problems: { path: string }[] };
    assert.equal(answer.error, 'invalid_retry');
    assert.deepEqual(
      answer.problems.map((p) => p.path),
      [problem],
    );
  }
  const notJson = await api('/v1/identities/E1001/retry', { method: 'POST', body: '{' });
  assert.equal(notJson.status, 400);
  assert.equal((await retry('not an id!')).status, 400);
  assert.equal((await api('/v1/identities/E1001/retry')).status, 405, 'GET');
  assert.equal((await retry('E1001', {}, 'wrong')).status, 401);
  const personal = issuePersonalToken('E1001', 'test-personal-token-secret', 3_600_000);
  assert.equal((await retry('E1001', {}, personal)).status, 403, 'an operator act, not a personal one');
});
