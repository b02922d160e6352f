// An operator's skip of a leaver's application that cannot be fixed now: refused at once when it
// cannot be taken, on the evidence record at once when it is, never called verified, and retried by a
// follow-up that reads the application back clean later. Two scim2-servers, one behind a fault proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import type { EvidenceStore } from '../../evidence/store';
import type { LeaverCertificate } from '../../domain/leaver-certificate';
import type { PeriodReport } from '../../domain/period-report';
import { skipSignal, skipUpdate } from '../../workflows/messages';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore, testEvidenceEnv } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';
import { jml } from '../unit/cli-run';

const TOKEN = 'skip-token';
let crmServer: ScimServer;
let wikiServer: ScimServer;
let proxy: FaultProxy;
let worker: TestWorker;
let store: EvidenceStore;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 500, deprovisionDeadlineMs: 60 * 60_000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  [crmServer, wikiServer] = await Promise.all([
    startScimServer({ token: TOKEN }),
    startScimServer({ token: TOKEN }),
  ]);
  await Promise.all([createScimGroups(crmServer, ['sales']), createScimGroups(wikiServer, ['readers'])]);
  proxy = await startFaultProxy(crmServer.port);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: proxy.url('/v2'), token: { env: 'TOKEN' } },
      { id: 'wiki', kind: 'scim', baseUrl: wikiServer.baseUrl, token: { env: 'TOKEN' } },
    ],
    roles: [{ id: 'all', grants: { crm: ['sales'], wiki: ['readers'] } }],
  });
  [worker, store] = await Promise.all([startTestWorker(loaded), openTestEvidenceStore()]);
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await proxy?.stop();
  await Promise.all([crmServer?.stop(), wikiServer?.stop()]);
});

const body = (record: { body: unknown } | undefined) => (record?.body ?? {}) as Record<string, unknown>;

/** The update's refusal, as the CLI and API see it. */
async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => assert.fail('the skip was taken'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowUpdateFailedError, String(error));
  return error.cause?.message ?? '';
}

/** The person's SCIM account as the application itself shows it. */
async function accountIn(server: ScimServer, userName: string) {
  const response = await fetch(
    `${server.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
    { headers: { authorization: `Bearer ${TOKEN}` } },
  );
  const list = (await response.json()) as { Resources?: { id: string; active?: boolean }[] };
  const user = list.Resources?.[0];
  assert.ok(user, `${userName} has an account`);
  const groups = (await (
    await fetch(`${server.baseUrl}/Groups`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as { Resources?: { displayName: string; members?: { value: string }[] }[] };
  const memberOf = (groups.Resources ?? [])
    .filter((g) => g.members?.some((m) => m.value === user.id))
    .map((g) => g.displayName);
  return { active: user.active !== false, memberOf };
}

async function certificateOf(employeeId: string): Promise<LeaverCertificate> {
  const printed = await jml(['evidence', 'leaver', employeeId, '--format', 'json'], testEvidenceEnv());
  assert.equal(printed.code, 0, printed.stdout + printed.stderr);
  return JSON.parse(printed.stdout) as LeaverCertificate;
}

void test('a skipped application finishes the leaver as skipped, on the record at once, and its follow-up verifies it later', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
  const handle = handleOf(person.id);

  // Before any leaver, there is nothing to skip.
  const early = await refusalOf(
    handle.executeUpdate(skipUpdate, { args: [{ appId: 'crm', reason: 'down', by: 'ops' }] }),
  );
  assert.match(early, /only a leaver's application can be skipped; this person is active/);

  // The CRM fails every call: the leaver keeps trying it, and verifies the wiki.
  proxy.failNext(100_000, 503);
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  await eventually('wiki verified and crm failing', async () => {
    const apps = (await statusOf(person.id)).apps;
    const status = (id: string) => apps.find((a) => a.appId === id)?.status;
    return status('wiki') === 'verified' && status('crm') === 'failing';
  });

  const noReason = await refusalOf(
    handle.executeUpdate(skipUpdate, { args: [{ appId: 'crm', reason: '   ', by: 'ops' }] }),
  );
  assert.match(noReason, /a justification \(reason\) is mandatory/);
  const settledApp = await refusalOf(
    handle.executeUpdate(skipUpdate, { args: [{ appId: 'wiki', reason: 'no reason', by: 'ops' }] }),
  );
  assert.match(settledApp, /wiki is already settled \(verified\)/);
  const unknown = await handle
    .executeUpdate(skipUpdate, { args: [{ appId: 'payroll', reason: 'x', by: 'ops' }] })
    .catch((e: unknown) => e);
  assert.ok(unknown instanceof WorkflowUpdateFailedError);
  assert.equal((unknown.cause as { type?: string }).type, 'NotFound', 'an application not in the leaver');
  // A skip from the Temporal UI without a justification is ignored.
  await handle.signal(skipSignal, { appId: 'crm', reason: '', by: 'ops' });
  assert.equal((await statusOf(person.id)).apps.find((a) => a.appId === 'crm')?.status, 'failing');

  const reason = 'CRM vendor outage, ticket OPS-42';
  const decision = await handle.executeUpdate(skipUpdate, {
    args: [{ appId: 'crm', reason, by: 'Jo Operator' }],
  });
  assert.deepEqual(
    { appId: decision.appId, reason: decision.reason, by: decision.by, via: decision.via },
    { appId: 'crm', reason, by: 'Jo Operator', via: 'api' },
  );

  // The leaver finishes with the CRM skipped, never verified; the workflow stays for the follow-up.
  const afterLeaver = await eventually('the leaver settled and the follow-up under way', async () => {
    const status = await statusOf(person.id);
    return (
      status.history.some((h) => h.eventId === terminate.eventId) &&
      status.waitingFor.startsWith('follow-up') &&
      status
    );
  });
  const crmReport = afterLeaver.lastLeaver?.applications.find((a) => a.appId === 'crm');
  assert.equal(crmReport?.outcome, 'skipped');
  assert.equal(crmReport?.skip?.reason, reason);
  assert.equal(afterLeaver.lastLeaver?.applications.find((a) => a.appId === 'wiki')?.outcome, 'verified');
  assert.equal(afterLeaver.stage, 'left');
  assert.match(afterLeaver.waitingFor, /follow-up: removing all access in crm/);
  assert.equal((await handle.describe()).status.name, 'RUNNING');

  // The skip is on the record (not a read-back), and the certificate shows the CRM skipped, not verified.
  const chain = await store.chainOf(person.id);
  const overrides = chain.filter((r) => r.kind === 'override');
  assert.equal(overrides.length, 1, 'one skip record, written once');
  assert.deepEqual(
    { ...body(overrides[0]), appId: overrides[0]?.appId },
    { action: 'skip', step: 'leaver', by: 'Jo Operator', via: 'api', reason, appId: 'crm' },
  );
  assert.ok(
    !chain.some(
      (r) => r.kind === 'read-back' && r.appId === 'crm' && r.key.includes(`/${terminate.eventId}/`),
    ),
    'no read-back of the skipped application in the leaver',
  );
  const open = await certificateOf(person.id);
  const crmOpen = open.applications.find((a) => a.appId === 'crm');
  assert.equal(open.status, 'incomplete');
  assert.equal(crmOpen?.outcome, 'skipped');
  assert.deepEqual(crmOpen?.skip?.followUp, { verified: false });
  assert.equal(open.applications.find((a) => a.appId === 'wiki')?.outcome, 'verified');
  assert.deepEqual(await accountIn(crmServer, person.userName), { active: true, memberOf: ['sales'] });

  // The CRM is back: the follow-up removes everything there, verifies it, and the workflow ends.
  proxy.failNext(0, 503);
  const result = await handle.result();
  assert.equal(result.leaver.followUps?.[0]?.appId, 'crm');
  assert.equal(result.leaver.followUps?.[0]?.outcome, 'verified');
  assert.deepEqual(await accountIn(crmServer, person.userName), { active: false, memberOf: [] });

  const followUps = (await store.chainOf(person.id)).filter(
    (r) => r.appId === 'crm' && r.key.includes(`/${terminate.eventId}:follow-up/`),
  );
  assert.deepEqual(followUps.map((r) => r.kind).sort(), ['app-operation', 'read-back']);
  assert.ok(followUps.every((r) => body(r).step === 'follow-up'));
  const done = await certificateOf(person.id);
  const crmDone = done.applications.find((a) => a.appId === 'crm');
  assert.equal(done.status, 'verified-after-follow-up');
  assert.equal(crmDone?.outcome, 'skipped', 'a skipped application is never called verified');
  assert.equal(crmDone?.skip?.followUp.verified, true);

  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const printed = await jml(['report', '--from', from, '--to', to, '--json'], testEvidenceEnv());
  assert.equal(printed.code, 0, printed.stdout + printed.stderr);
  const report = JSON.parse(printed.stdout) as PeriodReport;
  const listed = report.skipped.find((s) => s.employeeId === person.id && s.appId === 'crm');
  assert.equal(listed?.followUp, 'verified', 'the report lists the follow-up');

  const verified = await jml(['audit', 'verify', '--json'], testEvidenceEnv());
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

void test('a skip from the Temporal UI (the signal) is taken like the update, with its door on the record', async () => {
  proxy.failNext(0, 503);
  const person = employee();
  await send(hrEvent('hire', person));
  await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
  proxy.failNext(100_000, 503);
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  await eventually('crm failing', async () =>
    (await statusOf(person.id)).apps.some((a) => a.appId === 'crm' && a.status === 'failing'),
  );
  await handleOf(person.id).signal(skipSignal, { appId: 'crm', reason: 'vendor outage', by: 'E0001' });
  const status = await eventually('the leaver settled', async () => {
    const s = await statusOf(person.id);
    return s.history.some((h) => h.eventId === terminate.eventId) && s;
  });
  const crm = status.lastLeaver?.applications.find((a) => a.appId === 'crm');
  assert.equal(crm?.outcome, 'skipped');
  assert.equal(crm?.skip?.via, 'temporal-ui');
  proxy.failNext(0, 503);
  await handleOf(person.id).result();
});
