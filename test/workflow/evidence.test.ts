// Every step writes its evidence to the evidence store (the run's PostgreSQL): the HR events, the
// plans, each application's operations and read-back, and at once what needed a person (an
// application failing, a leaver past its deadline). The chain verifies with `jml audit verify`.
// scim2-server behind a fault proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import type { EvidenceStore } from '../../evidence/store';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore, testEvidenceEnv } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';
import { jml } from '../unit/cli-run';

const TOKEN = 'evidence-token';
let scim: ScimServer;
let proxy: FaultProxy;
let worker: TestWorker;
let store: EvidenceStore;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 500, deprovisionDeadlineMs: 60 * 60_000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['staff']);
  proxy = await startFaultProxy(scim.port);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [{ id: 'crm', kind: 'scim', baseUrl: proxy.url('/v2'), token: { env: 'TOKEN' } }],
    roles: [{ id: 'all', grants: { crm: ['staff'] } }],
  });
  [worker, store] = await Promise.all([startTestWorker(loaded), openTestEvidenceStore()]);
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await proxy?.stop();
  await scim?.stop();
});

/** A record's body, as the kind's schema (domain/evidence-record.ts) shaped it. */
const body = (record: { body: unknown } | undefined) => (record?.body ?? {}) as Record<string, unknown>;

const kindsOf = (records: { kind: string; appId: string | null }[]) =>
  records.map((r) => `${r.kind}${r.appId ? `:${r.appId}` : ''}`);

void test('a joiner and a leaver write their events, plans, operations and read-backs, and the chain verifies', async () => {
  const person = employee();
  const hire = hrEvent('hire', person);
  await send(hire);
  await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  await handleOf(person.id).result();

  const chain = await store.chainOf(person.id);
  const step = ['hr-event', 'plan', 'app-operation:crm', 'read-back:crm'];
  assert.deepEqual(kindsOf(chain), [...step, ...step], 'the joiner, then the leaver, in order');
  const byKind = (kind: string, eventId: string) =>
    chain.filter((r) => r.kind === kind && r.key.includes(`/${eventId}/`));
  const [hired] = byKind('hr-event', hire.eventId);
  assert.equal(body(hired).step, 'joiner');
  assert.equal(body(hired).outcome, 'completed');
  const [left] = byKind('hr-event', terminate.eventId);
  assert.equal(body(left).step, 'leaver');
  const receivedAt = Date.parse(String(body(left).receivedAt));
  assert.equal(
    Date.parse(String(body(left).deadline)) - receivedAt,
    60 * 60_000,
    'an urgent leaver is due an hour after it arrived',
  );
  const [operation] = byKind('app-operation', terminate.eventId);
  assert.equal(body(operation).operation, 'deprovision');
  assert.deepEqual(body(operation).revoked, ['staff']);
  assert.equal(body(operation).disabled, true);
  const [readBack] = byKind('read-back', terminate.eventId);
  assert.equal(body(readBack).verified, true);
  assert.equal(body(readBack).evidence, 'read-back');
  assert.deepEqual((body(readBack).state as { entitlements: string[] }).entitlements, []);
  assert.equal((body(readBack).state as { active: boolean }).active, false);
  const [plan] = byKind('plan', hire.eventId);
  assert.deepEqual(body(plan).apps, { crm: ['staff'] });
  assert.equal(new Set(chain.map((r) => r.key)).size, chain.length, 'no record written twice');

  const verified = await jml(['audit', 'verify', '--json'], testEvidenceEnv());
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});

void test('a leaver past its deadline is flagged at once, and what failed is on the record before it finishes', async () => {
  const person = employee();
  // Settings travel with the workflow's start: this person's leaver is due a second after it arrives.
  settings.deprovisionDeadlineMs = 1000;
  try {
    await send(hrEvent('hire', person));
    await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
    // The application fails every call for a while: the leaver keeps trying, past its deadline.
    proxy.failNext(1_000, 503);
    const terminate = hrEvent('terminate', person, { urgent: true });
    await send(terminate);
    const late = await eventually('the leaver to be flagged late', async () => {
      const status = await statusOf(person.id);
      return status.waitingFor.includes('past the deprovisioning deadline') && status;
    });
    assert.equal(late.needsAttention, true);
    const flagged = await eventually(
      'the missed deadline and the failing application on the record',
      async () => {
        const chain = await store.chainOf(person.id);
        const attention = chain.filter(
          (r) => r.kind === 'attention' && r.key.includes(`/${terminate.eventId}:`),
        );
        const reasons = attention.map((r) => `${String(body(r).reason)}:${r.appId ?? '-'}`).sort();
        return reasons.includes('deadline-missed:-') && reasons.includes('failing:crm') && attention;
      },
    );
    assert.ok(flagged.every((r) => body(r).step === 'leaver'));
    proxy.failNext(0, 503);
    const result = await handleOf(person.id).result();
    assert.equal(result.leaver.applications[0]?.outcome, 'verified');
    const [left] = (await store.chainOf(person.id)).filter(
      (r) => r.kind === 'hr-event' && r.key.includes(`/${terminate.eventId}/`),
    );
    assert.ok(
      Date.parse(String(body(left).completedAt)) > Date.parse(String(body(left).deadline)),
      'completed late',
    );
  } finally {
    settings.deprovisionDeadlineMs = 60 * 60_000;
  }
});
