// `npm run worker` on its own, with JML_METRICS_PORT: it serves its own registry at GET /metrics to
// the metrics token (not without one), and the hire it carries out moves its time-to-provision
// histogram — the lifecycle events a worker writes are not lost for want of an API in its process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { submitHrEvent } from '../../api/intake';
import { identityWorkflowId } from '../../domain/lifecycle';
import { freePort } from '../../scripts/lib/ports';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startWorkerProcess } from '../../scripts/lib/worker-process';
import { statusQuery } from '../../workflows/messages';
import { testDataConverter } from '../support/encryption';
import { testEvidenceEnv } from '../support/evidence';
import { parseExposition } from '../support/metrics-text';
import { employee, hrEvent } from '../support/people';
import { temporalAddress } from '../support/temporal';
import { eventually } from '../support/wait';

const SCIM_TOKEN = 'worker-metrics-scim-token';
const METRICS_TOKEN = 'worker-metrics-token';
const taskQueue = `worker-metrics-${randomUUID()}`;
let scim: ScimServer;
let dir: string;
let client: Client;
let worker: ChildProcess;
let metricsUrl: string;

before(async () => {
  scim = await startScimServer({ token: SCIM_TOKEN });
  await createScimGroups(scim, ['crm-users']);
  dir = mkdtempSync(join(tmpdir(), 'jml-worker-metrics-'));
  writeFileSync(
    join(dir, 'jml.yaml'),
    JSON.stringify({
      temporal: { taskQueue },
      http: {
        hrWebhookSecret: { env: 'T_HR' },
        apiToken: { env: 'T_API' },
        metricsToken: { env: 'T_METRICS' },
      },
      lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '1s' },
      applications: [{ id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'T_SCIM' } }],
    }),
  );
  writeFileSync(
    join(dir, 'policy.yaml'),
    JSON.stringify({
      version: 'worker-metrics',
      applications: { crm: { owners: [], entitlements: { 'crm-users': { risk: 'low' } } } },
      roles: [{ id: 'all', when: {}, grants: { crm: ['crm-users'] } }],
    }),
  );
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = await startWorkerProcess({
    config: join(dir, 'jml.yaml'),
    temporalAddress: temporalAddress(),
    env: {
      T_HR: 'hr-secret',
      T_API: 'api-token',
      T_SCIM: SCIM_TOKEN,
      T_METRICS: METRICS_TOKEN,
      JML_METRICS_PORT: String(port),
      ...testEvidenceEnv(),
    },
  });
  client = new Client({
    connection: await Connection.connect({ address: temporalAddress() }),
    dataConverter: testDataConverter(),
  });
});

after(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((done) => worker.once('exit', done));
    worker.kill('SIGTERM');
    await exited;
  }
  await client?.connection.close();
  await scim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scrape(token = METRICS_TOKEN): Promise<Response> {
  return fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } });
}

void test('a worker of its own serves its metrics to the metrics token, and counts the hire it carried out', async () => {
  const refused = await fetch(metricsUrl);
  assert.equal(refused.status, 401);
  assert.equal((await scrape('wrong')).status, 401);
  // The API token reads them too, as on the API.
  assert.equal((await scrape('api-token')).status, 200);

  const first = await scrape();
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const before = parseExposition(await first.text());
  assert.equal(before.type('jml_process_cpu_seconds_total'), 'counter');
  assert.equal(before.value('jml_time_to_provision_seconds_count'), 0);
  assert.equal(before.value('jml_verification_failures_total', { app: 'crm', reason: 'failing' }), 0);
  // The state is the API's: a worker reads nothing from Temporal's visibility.
  assert.equal(before.type('jml_temporal_up'), undefined);

  const person = employee();
  await submitHrEvent(
    { client, taskQueue, settings: { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 } },
    hrEvent('hire', person),
  );
  const handle = client.workflow.getHandle(identityWorkflowId(person.id));
  await eventually('the hire', async () => (await handle.query(statusQuery)).stage === 'active');
  const counted = await eventually('the joiner counted by the worker', async () => {
    const metrics = parseExposition(await (await scrape()).text());
    return metrics.value('jml_time_to_provision_seconds_count') === 1 && metrics;
  });
  assert.ok((counted.value('jml_evidence_records_total', { kind: 'hr-event' }) ?? 0) >= 1);
  assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 405);
});
