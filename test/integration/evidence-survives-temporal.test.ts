// Evidence outlives Temporal: a person joins and leaves through the real service (HTTP API, worker,
// Temporal dev server, two scim2-server applications), every run of their workflow is then deleted
// from Temporal, and the revocation certificate (API and CLI), the period export and
// `jml audit verify` still answer from the evidence store alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import type { HrEvent } from '../../domain/hr-event';
import type { LeaverCertificate } from '../../domain/leaver-certificate';
import type { PeriodExportRow } from '../../domain/period-export';
import { publicKeyText } from '../../evidence/signing';
import { EvidenceStore } from '../../evidence/store';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { jml } from '../unit/cli-run';

const SCIM_TOKEN = 'survives-scim-token';
const HR_SECRET = 'test-hr-secret';
const API_TOKEN = 'test-api-token';
const bearer = { authorization: `Bearer ${API_TOKEN}` };

let crm: ScimServer;
let wiki: ScimServer;
let service: RunningService | undefined;
let temporal: Client;
let dataDir: string;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'jml-survives-'));
  [crm, wiki] = await Promise.all([
    startScimServer({ token: SCIM_TOKEN }),
    startScimServer({ token: SCIM_TOKEN }),
  ]);
  await Promise.all([createScimGroups(crm, ['crm-users']), createScimGroups(wiki, ['staff'])]);
  const scim = (id: string, server: ScimServer, deprovision: string) => ({
    id,
    kind: 'scim' as const,
    baseUrl: server.baseUrl,
    token: { env: 'SCIM_TOKEN' },
    deprovision,
  });
  service = await startService({
    // A store of the test's own, embedded: nothing else writes to it, and the CLI reads it once the service is gone.
    evidence: await EvidenceStore.open({ kind: 'pglite', dir: join(dataDir, 'evidence') }, privateKey),
    loaded: buildConfig({
      secrets: { SCIM_TOKEN },
      applications: [scim('crm', crm, 'disable'), scim('wiki', wiki, 'delete')],
      roles: [{ id: 'all', grants: { crm: ['crm-users'], wiki: ['staff'] } }],
    }),
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `survives-${Date.now()}` },
    logger: createLogger('survives-test').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  temporal = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
});

after(async () => {
  await service?.stop();
  await temporal?.connection.close();
  await Promise.all([crm?.stop(), wiki?.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function send(event: HrEvent): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(`${service!.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, HR_SECRET) },
    body,
  });
  assert.equal(response.status, 202, await response.text());
}

const api = (path: string) => fetch(`${service!.apiUrl}${path}`, { headers: bearer });

async function stage(employeeId: string): Promise<string | undefined> {
  const response = await api(`/v1/identities/${employeeId}`);
  return response.status === 200 ? ((await response.json()) as { stage: string }).stage : undefined;
}

/** Every run of the person's workflow, deleted from Temporal, and gone when asked for again. */
async function forget(workflowId: string): Promise<number> {
  const runs: string[] = [];
  for await (const run of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    runs.push(run.runId);
  for (const runId of runs) {
    await temporal.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId, runId },
    });
  }
  for (const runId of runs) {
    await eventually(`run ${runId} to be gone from Temporal`, async () => {
      try {
        await temporal.workflow.getHandle(workflowId, runId).describe();
        return false;
      } catch (error) {
        return error instanceof WorkflowNotFoundError;
      }
    });
  }
  return runs.length;
}

void test('a leaver whose workflow Temporal has deleted: its certificate, the export and audit verify still work', async () => {
  const startedAt = new Date();
  const person = employee();
  const hire = hrEvent('hire', person);
  await send(hire);
  await eventually('the joiner to finish', async () => (await stage(person.id)) === 'active');
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  await eventually('the leaver to finish', async () => (await stage(person.id)) === 'left');

  const before = (await (await api(`/v1/evidence/leavers/${person.id}`)).json()) as LeaverCertificate;
  assert.ok((await forget(`identity-${person.id}`)) >= 1, 'the workflow had runs to delete');
  assert.equal((await api(`/v1/identities/${person.id}`)).status, 404, 'Temporal has forgotten the person');

  // The API, from the store the service holds.
  const response = await api(`/v1/evidence/leavers/${person.id}`);
  assert.equal(response.status, 200);
  const cert = (await response.json()) as LeaverCertificate;
  assert.deepEqual({ ...cert, generatedAt: undefined }, { ...before, generatedAt: undefined });
  assert.equal(cert.eventId, terminate.eventId);
  assert.equal(cert.status, 'verified');
  assert.equal(cert.deadline?.status, 'met');
  assert.deepEqual(
    cert.applications.map((a) => [a.appId, a.outcome, a.verification?.evidence, a.removed]),
    [
      [
        'crm',
        'verified',
        'read-back',
        { revoked: ['crm-users'], disabled: true, deleted: false, sessionsEnded: 0 },
      ],
      [
        'wiki',
        'verified',
        'read-back',
        { revoked: ['staff'], disabled: true, deleted: true, sessionsEnded: 0 },
      ],
    ],
  );
  assert.deepEqual(
    cert.applications.map((a) => a.verification?.state),
    [
      { exists: true, active: false, entitlements: [], openSessions: null },
      { exists: false, active: false, entitlements: [], openSessions: null },
    ],
  );
  const from = startedAt.toISOString();
  const to = new Date().toISOString();
  const exported = await api(`/v1/evidence?from=${from}&to=${to}`);
  const rows = ((await exported.json()) as { rows: PeriodExportRow[] }).rows.filter(
    (r) => r.employeeId === person.id,
  );
  assert.deepEqual(
    rows.map((r) => [r.step, r.eventId, r.applications, r.verified]),
    [
      ['joiner', hire.eventId, 2, 2],
      ['leaver', terminate.eventId, 2, 2],
    ],
  );
  assert.equal(rows[1]!.late, false);

  // The CLI reads the store itself once the service has let go of it (the embedded store is one process's).
  await service!.stop();
  service = undefined;
  const env = {
    JML_DATA_DIR: dataDir,
    JML_EVIDENCE_URL: '',
    JML_EVIDENCE_PUBLIC_KEY: publicKeyText(publicKey),
  };
  const certificate = await jml(['evidence', 'leaver', person.id], env);
  assert.equal(certificate.code, 0, certificate.stderr);
  assert.deepEqual(
    { ...(JSON.parse(certificate.stdout) as LeaverCertificate), generatedAt: undefined },
    { ...cert, generatedAt: undefined },
  );
  const csv = await jml(['evidence', 'export', '--from', from, '--to', to], env);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, new RegExp(`^${person.id},leaver,${terminate.eventId},terminate,completed,`, 'm'));
  const verify = await jml(['audit', 'verify'], env);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^evidence intact: 1 chain, \d+ records/);
});
