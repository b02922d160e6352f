// The identity workflow on a real Temporal dev server, with real activities against real
// scim2-server applications (one of them behind a fault-injection proxy).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import { NeedsAttentionKey, LifecycleStageKey } from '../../workflows/messages';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { recordHistory } from '../support/histories';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { identityClient } from '../support/identity-client';
import { eventually } from '../support/wait';

const TOKEN = 'workflow-test-token';
let crm: ScimServer;
let wiki: ScimServer;
let wikiProxy: FaultProxy;
let worker: TestWorker;
let crmApp: ScimConnector;
let wikiApp: ScimConnector;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };

before(async () => {
  [crm, wiki] = await Promise.all([startScimServer({ token: TOKEN }), startScimServer({ token: TOKEN })]);
  await createScimGroups(crm, ['crm-users', 'crm-readonly']);
  await createScimGroups(wiki, ['staff', 'engineering', 'sales']);
  wikiProxy = await startFaultProxy(wiki.port);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: crm.baseUrl, token: { env: 'TOKEN' }, deprovision: 'disable' },
      {
        id: 'wiki',
        kind: 'scim',
        baseUrl: wikiProxy.url('/v2'),
        token: { env: 'TOKEN' },
        deprovision: 'delete',
      },
    ],
    roles: [
      { id: 'all', grants: { wiki: ['staff'] } },
      {
        id: 'eng',
        when: { department: ['Engineering'] },
        grants: { wiki: ['engineering'], crm: ['crm-readonly'] },
      },
      { id: 'sales', when: { department: ['Sales'] }, grants: { wiki: ['sales'], crm: ['crm-users'] } },
    ],
  });
  crmApp = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  // Checks read the wiki directly, not through the proxy.
  wikiApp = new ScimConnector({
    ...(loaded.config.applications[1] as ScimApplicationConfig),
    baseUrl: wiki.baseUrl,
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await Promise.all([wikiProxy?.stop(), crm?.stop(), wiki?.stop()]);
});

const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

async function waitForStage(employeeId: string, stage: string, timeoutMs = 30_000) {
  return eventually(
    `${employeeId} to reach ${stage}`,
    async () => {
      const status = await statusOf(employeeId);
      return status.stage === stage && status;
    },
    timeoutMs,
  );
}

async function activityCount(handle: WorkflowHandle, activityType: string): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  ).length;
}

void test('a hire creates the account and birthright groups in every application, verified by read-back', async () => {
  const person = employee({ department: 'Engineering' });
  const hire = hrEvent('hire', person);
  assert.deepEqual(await send(hire), { workflowId: identityWorkflowId(person.id), status: 'accepted' });
  const status = await waitForStage(person.id, 'active');

  const ref = { employeeId: person.id, userName: person.userName };
  const { accountId, ...crmState } = await crmApp.readState(ref);
  assert.deepEqual(crmState, {
    exists: true,
    active: true,
    entitlements: ['crm-readonly'],
    openSessions: null,
  });
  assert.ok(accountId, "the account is the person's, by the id the application gave it");
  assert.deepEqual((await wikiApp.readState(ref)).entitlements, ['engineering', 'staff']);
  assert.deepEqual(status.plan?.roles, ['all', 'eng']);
  assert.equal(status.lastJoiner?.eventId, hire.eventId);
  assert.deepEqual(
    status.apps.map((a) => [a.appId, a.status]),
    [
      ['crm', 'verified'],
      ['wiki', 'verified'],
    ],
  );
  const attrs = (await handleOf(person.id).describe()).typedSearchAttributes;
  assert.equal(attrs.get(LifecycleStageKey), 'active');
  assert.equal(attrs.get(NeedsAttentionKey), false);
  await recordHistory(handleOf(person.id), 'joiner-active');
});

void test('the same HR event sent twice is processed once', async () => {
  const person = employee({ department: 'Sales' });
  const hire = hrEvent('hire', person);
  await send(hire);
  await send(hire);
  await waitForStage(person.id, 'active');
  await send(hire);
  const status = await statusOf(person.id);
  assert.equal(status.history.filter((h) => h.eventId === hire.eventId).length, 1);
  assert.equal(status.queued.length, 0);
  assert.equal(
    await activityCount(handleOf(person.id), 'provisionInApp'),
    2,
    'one provisioning per application',
  );
});

void test('a termination removes every access, verifies each application, and ends the workflow with a report', async () => {
  const person = employee({ department: 'Engineering' });
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  const result: IdentityResult = await handleOf(person.id).result();

  assert.equal(result.stage, 'left');
  assert.equal(result.leaver.eventId, terminate.eventId);
  const byApp = Object.fromEntries(result.leaver.applications.map((a) => [a.appId, a]));
  assert.deepEqual(byApp.crm?.revoked, ['crm-readonly']);
  assert.equal(byApp.crm?.outcome, 'verified');
  assert.deepEqual(byApp.crm?.verifiedState, {
    exists: true,
    active: false,
    entitlements: [],
    openSessions: null,
    accountId: (await crmApp.readState({ employeeId: person.id, userName: person.userName })).accountId,
  });
  assert.deepEqual(byApp.wiki?.revoked, ['engineering', 'staff']);
  assert.equal(byApp.wiki?.deleted, true);
  assert.equal(byApp.wiki?.verifiedState.exists, false);
  const ref = { employeeId: person.id, userName: person.userName };
  assert.deepEqual(
    { ...(await crmApp.readState(ref)), accountId: undefined },
    { exists: true, active: false, entitlements: [], openSessions: null, accountId: undefined },
  );
  assert.equal((await wikiApp.readState(ref)).exists, false);
  assert.ok(result.processedEventIds.includes(terminate.eventId));
  await recordHistory(handleOf(person.id), 'leaver-left');

  const resent = await send(terminate);
  assert.equal(resent.status, 'duplicate', 'a finished run still recognises the event it processed');
});

void test('an application that is down is retried, flagged NeedsAttention, and verified once it recovers', async () => {
  const person = employee({ department: 'Sales' });
  await wikiProxy.goDown();
  try {
    await send(hrEvent('hire', person));
    await eventually('NeedsAttention to be set', async () => {
      const attrs = (await handleOf(person.id).describe()).typedSearchAttributes;
      return attrs.get(NeedsAttentionKey) === true;
    });
    const failing = await statusOf(person.id);
    assert.equal(failing.stage, 'joining');
    const wikiProgress = failing.apps.find((a) => a.appId === 'wiki');
    assert.equal(wikiProgress?.status, 'failing');
    assert.match(wikiProgress?.lastProblem ?? '', /ECONNREFUSED|fetch failed|failed/);
  } finally {
    await wikiProxy.comeUp();
  }
  const status = await waitForStage(person.id, 'active');
  assert.equal(status.needsAttention, false);
  assert.deepEqual(
    (await wikiApp.readState({ employeeId: person.id, userName: person.userName })).entitlements,
    ['sales', 'staff'],
  );
  assert.equal((await handleOf(person.id).describe()).typedSearchAttributes.get(NeedsAttentionKey), false);
});

void test('an application answering 429 with Retry-After is retried after the delay it asked for', async () => {
  const person = employee({ department: 'Sales' });
  wikiProxy.failNext(4, 429, { 'Retry-After': '1' });
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  assert.deepEqual(
    (await wikiApp.readState({ employeeId: person.id, userName: person.userName })).entitlements,
    ['sales', 'staff'],
  );
});

void test('a termination during an unfinished joiner cancels it, removes what it granted, then runs the leaver', async () => {
  const person = employee({ department: 'Engineering' });
  const ref = { employeeId: person.id, userName: person.userName };
  await wikiProxy.goDown();
  const hire = hrEvent('hire', person);
  const terminate = hrEvent('terminate', person, { urgent: true });
  try {
    await send(hire);
    // The crm part of the joiner completes while the wiki is unreachable.
    await eventually('crm to be granted', async () =>
      (await crmApp.readState(ref)).entitlements.includes('crm-readonly'),
    );
    await send(terminate);
    await eventually('the leaver to start', async () => (await statusOf(person.id)).stage === 'leaving');
  } finally {
    await wikiProxy.comeUp();
  }
  const result: IdentityResult = await handleOf(person.id).result();
  const status = await statusOf(person.id);
  assert.deepEqual(
    status.history.map((h) => [h.eventId, h.outcome]),
    [
      [hire.eventId, 'cancelled'],
      [terminate.eventId, 'completed'],
    ],
  );
  assert.deepEqual(
    { ...(await crmApp.readState(ref)), accountId: undefined },
    { exists: true, active: false, entitlements: [], openSessions: null, accountId: undefined },
  );
  assert.equal((await wikiApp.readState(ref)).exists, false);
  assert.deepEqual(result.leaver.applications.find((a) => a.appId === 'crm')?.revoked, ['crm-readonly']);
  await recordHistory(handleOf(person.id), 'termination-during-joiner');
});

void test('effective dates are durable timers: a future hire waits, an urgent termination does not', async () => {
  const person = employee();
  const startsAt = new Date(Date.now() + 60 * 60_000).toISOString();
  const hire = hrEvent('hire', person, { effectiveAt: startsAt });
  await send(hire);
  const waiting = await eventually('the hire to wait for its start date', async () => {
    const status = await statusOf(person.id);
    return status.waitingFor.startsWith('waiting until') && status;
  });
  assert.equal(waiting.stage, 'pending');
  assert.equal((await crmApp.readState({ employeeId: person.id, userName: person.userName })).exists, false);

  await send(hrEvent('terminate', person, { urgent: true }));
  const result = await handleOf(person.id).result();
  assert.equal(result.stage, 'left');
  const status = await statusOf(person.id);
  assert.deepEqual(
    status.history.map((h) => h.outcome),
    ['cancelled', 'completed'],
  );
});

void test('a termination effective in a few seconds runs when due', async () => {
  const person = employee({ department: 'Sales' });
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  const effectiveAt = new Date(Date.now() + 3000).toISOString();
  await send(hrEvent('terminate', person, { effectiveAt }));
  const waiting = await eventually('the termination to wait', async () => {
    const status = await statusOf(person.id);
    return status.waitingFor.includes('remove all access') && status;
  });
  assert.equal(waiting.stage, 'active', 'access stays until the effective time');
  const result = await handleOf(person.id).result();
  assert.ok(Date.parse(result.leaver.startedAt) >= Date.parse(effectiveAt));
});

void test('a mover loses what the old role gave and gains what the new one needs', async () => {
  const person = employee({ department: 'Engineering' });
  const ref = { employeeId: person.id, userName: person.userName };
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  await send(hrEvent('change', { ...person, department: 'Sales' }));
  const moved = await eventually('the move to finish', async () => {
    const s = await statusOf(person.id);
    return s.stage === 'active' && s.history.length === 2 && s;
  });
  assert.deepEqual(moved.lastJoiner?.drift, {});
  assert.deepEqual((await crmApp.readState(ref)).entitlements, ['crm-users']);
  assert.deepEqual((await wikiApp.readState(ref)).entitlements, ['sales', 'staff']);
});

void test('access held outside the plan is reported as drift on the next move, not silently kept', async () => {
  const person = employee({ department: 'Engineering' });
  const ref = { employeeId: person.id, userName: person.userName };
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  // Someone adds access by hand, outside jml.
  await wikiApp.grant(ref, 'sales');
  await send(hrEvent('change', { ...person, title: 'Staff Engineer' }));
  const moved = await eventually('the move to finish', async () => {
    const s = await statusOf(person.id);
    return s.stage === 'active' && s.history.length === 2 && s;
  });
  assert.deepEqual(moved.lastJoiner?.drift, { wiki: ['sales'] });
  assert.deepEqual((await wikiApp.readState(ref)).entitlements, ['engineering', 'sales', 'staff']);
});

void test('continue-as-new carries the processed events and the state over', async () => {
  const person = employee({ department: 'Engineering' });
  const hire = hrEvent('hire', person);
  await send(hire);
  await waitForStage(person.id, 'active');
  const { runId: firstRun } = await handleOf(person.id).describe();
  // Each move adds history; the test server suggests continue-as-new after 120 events.
  for (let i = 0; i < 8; i++) {
    await send(hrEvent('change', { ...person, title: `Engineer ${i}` }));
  }
  await eventually(
    'a new run',
    async () => (await handleOf(person.id).describe()).runId !== firstRun,
    60_000,
  );
  await eventually(
    'all moves processed',
    async () => (await statusOf(person.id)).history.length === 9,
    60_000,
  );
  await send(hire);
  const status = await statusOf(person.id);
  assert.equal(status.stage, 'active');
  assert.equal(status.history.filter((h) => h.eventId === hire.eventId).length, 1);
  assert.equal(status.queued.length, 0);
});

void test('an application that stops answering shows as stalled within seconds, long before its request times out', async () => {
  const person = employee({ department: 'Engineering' });
  await send(hrEvent('hire', person));
  await waitForStage(person.id, 'active');
  const hung = wikiProxy.holdNext(() => true);
  await send(hrEvent('terminate', person, { urgent: true }));
  await hung;
  const stalled = await eventually('wiki to show as stalled', async () => {
    const status = await statusOf(person.id);
    const wiki = status.apps.find((a) => a.appId === 'wiki');
    return wiki?.status === 'stalled' && { status, wiki };
  });
  assert.match(stalled.wiki.lastProblem ?? '', /no answer from wiki since .* still waiting/);
  assert.ok(stalled.wiki.callingSince, 'the status says since when jml waits');
  assert.equal(stalled.status.needsAttention, true);
  assert.match(stalled.status.waitingFor, /wiki need\(s\) attention/);
  const attrs = (await handleOf(person.id).describe()).typedSearchAttributes;
  assert.equal(attrs.get(NeedsAttentionKey), true);
  // The hung request times out (10 s), the call is tried again, and the leaver finishes.
  const result = await handleOf(person.id).result();
  assert.equal(result.leaver.applications.find((a) => a.appId === 'wiki')?.outcome, 'verified');
});
