// The event history reads as the lifecycle in the Temporal UI: the workflow has a static summary, and
// every activity and timer says which application, which operation and for whom (by employee id),
// with no personal data. A hire that waits for its start date, then an urgent leaver, on scim2-server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'summaries-token';
let scim: ScimServer;
let worker: TestWorker;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['staff']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'TOKEN' }, deprovision: 'delete' },
    ],
    roles: [{ id: 'all', grants: { crm: ['staff'] } }],
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await scim?.stop();
});

/** A summary as the UI shows it: decoded through the client's own codecs, then converted. */
async function text(payload: Payload | null | undefined): Promise<string | undefined> {
  if (!payload) return undefined;
  let decoded = payload;
  for (const codec of [...(worker.client.options.dataConverter?.payloadCodecs ?? [])].reverse()) {
    decoded = (await codec.decode([decoded]))[0] ?? decoded;
  }
  return defaultPayloadConverter.fromPayload<string>(decoded);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

async function summariesOf(events: HistoryEvent[], kind: 'activity' | 'timer') {
  const scheduled = events.filter((e) =>
    kind === 'activity' ? e.activityTaskScheduledEventAttributes : e.timerStartedEventAttributes,
  );
  return Promise.all(scheduled.map((e) => text(e.userMetadata?.summary as Payload | undefined)));
}

void test('activities, timers and the workflow carry summaries by employee id, and no personal data', async () => {
  const person = employee({ givenName: 'Summarine', familyName: 'Quillfeather' });
  const soon = new Date(Date.now() + 1500).toISOString();
  await send(hrEvent('hire', person, { effectiveAt: soon }));
  await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
  await send(hrEvent('terminate', person, { urgent: true }));
  await handleOf(person.id).result();

  const events = (await handleOf(person.id).fetchHistory()).events ?? [];
  const activities = await summariesOf(events, 'activity');
  const timers = await summariesOf(events, 'timer');
  const id = person.id;
  for (const expected of [
    `plan ${id}'s access from the policy`,
    `crm: create or find ${id}'s account, grant staff, read back`,
    `crm: disable ${id}, end sessions, revoke everything, delete, read back`,
  ]) {
    assert.ok(
      activities.includes(expected),
      `an activity summarised "${expected}" in ${activities.join(' | ')}`,
    );
  }
  assert.ok(activities.every(Boolean), 'every activity has a summary');
  assert.ok(
    timers.some((t) => t?.startsWith('wait until effective: provision the joiner (event ')),
    `the start-date timer is summarised: ${timers.join(' | ')}`,
  );
  assert.ok(timers.every(Boolean), 'every timer has a summary');

  const description = await handleOf(person.id).describe();
  assert.equal(await description.staticSummary(), `Identity lifecycle of employee ${id}`);

  const shown = [...activities, ...timers, await description.staticSummary()].join('\n');
  for (const personal of [person.givenName, person.familyName, person.email, person.userName]) {
    assert.ok(!shown.includes(personal), `no summary mentions "${personal}"`);
  }
});
