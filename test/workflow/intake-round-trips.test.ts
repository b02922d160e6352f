// What an HR event costs at the intake, in calls to Temporal, counted by a client interceptor: with
// the evidence store's employment memory a hire or rehire is one signal-with-start and a re-sent old
// event none, and it still cannot re-hire a leaver; without it, the same rehire asks Temporal for the
// last run first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { submitHrEvent, type IntakeOptions } from '../../api/intake';
import { identityWorkflowId, type IdentityResult } from '../../domain/lifecycle';
import type { EvidenceStore } from '../../evidence/store';
import { employmentMemoryOf } from '../../evidence/employment-memory';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { statusQuery } from '../../workflows/messages';
import { crmConfig } from '../support/config';
import { testDataConverter } from '../support/encryption';
import { openTestEvidenceStore } from '../support/evidence';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'intake-token';
let scim: ScimServer;
let worker: TestWorker;
let store: EvidenceStore;
let client: Client;
/** Every call the intake made to Temporal since the last `take()`. */
const calls: string[] = [];
const take = () => calls.splice(0);
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 500 };

const counting: WorkflowClientInterceptor = {
  signal: (input, next) => (calls.push('signal'), next(input)),
  signalWithStart: (input, next) => (calls.push('signalWithStart'), next(input)),
  describe: (input, next) => (calls.push('describe'), next(input)),
  start: (input, next) => (calls.push('start'), next(input)),
};

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['staff']);
  const loaded = crmConfig({ baseUrl: scim.baseUrl, token: TOKEN, group: 'staff' });
  [worker, store] = await Promise.all([startTestWorker(loaded), openTestEvidenceStore()]);
  client = new Client({
    connection: worker.client.connection,
    dataConverter: testDataConverter(),
    interceptors: { workflow: [counting] },
  });
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await scim?.stop();
});

const withStore = (): IntakeOptions => ({
  client,
  taskQueue: worker.taskQueue,
  settings,
  employmentMemory: (id) => employmentMemoryOf(store.reader, id),
});
const withoutStore = (): IntakeOptions => ({ client, taskQueue: worker.taskQueue, settings });

async function stageOf(employeeId: string) {
  return (await worker.client.workflow.getHandle(identityWorkflowId(employeeId)).query(statusQuery)).stage;
}

/** Hires, then lets the person go, through `intake`; resolves once the leaver's run has ended. */
async function hireAndLetGo(intake: IntakeOptions) {
  const person = employee();
  const hire = hrEvent('hire', person, { occurredAt: new Date(Date.now() - 60_000).toISOString() });
  await submitHrEvent(intake, hire);
  await eventually('hired', async () => (await stageOf(person.id)) === 'active');
  const terminate = hrEvent('terminate', person, { urgent: true });
  await submitHrEvent(intake, terminate);
  const result = (await worker.client.workflow
    .getHandle(identityWorkflowId(person.id))
    .result()) as IdentityResult;
  assert.equal(result.stage, 'left');
  take();
  return { person, hire, terminate };
}

void test('with the evidence store’s memory a hire is one call, a re-sent old event none, and a rehire one', async () => {
  const person = employee();
  const hire = hrEvent('hire', person);
  assert.equal((await submitHrEvent(withStore(), hire)).status, 'accepted');
  assert.deepEqual(take(), ['signalWithStart'], 'a new person: one call');
  await eventually('hired', async () => (await stageOf(person.id)) === 'active');

  const change = hrEvent('change', { ...person, title: 'Lead' });
  assert.equal((await submitHrEvent(withStore(), change)).status, 'accepted');
  assert.deepEqual(take(), ['signal'], 'someone with an open run: one signal');

  const left = await hireAndLetGo(withStore());
  // The leaver's hire sent again: the store shows it processed; Temporal is not asked.
  assert.equal((await submitHrEvent(withStore(), left.hire)).status, 'duplicate');
  // A hire that occurred before the termination, under a new id: stale, and nothing is started.
  const old = hrEvent('hire', left.person, { occurredAt: new Date(Date.now() - 30_000).toISOString() });
  assert.equal((await submitHrEvent(withStore(), old)).status, 'stale');
  assert.deepEqual(take(), [], 'refused without a call');
  const afterDuplicate = await worker.client.workflow
    .getHandle(identityWorkflowId(left.person.id))
    .describe();
  assert.equal(afterDuplicate.status.name, 'COMPLETED', 'no run was started for them');

  const rehire = hrEvent('rehire', left.person);
  assert.equal((await submitHrEvent(withStore(), rehire)).status, 'accepted');
  assert.deepEqual(take(), ['signalWithStart'], 'a rehire: one call');
  await eventually('rehired', async () => (await stageOf(left.person.id)) === 'active');

  // The new run carries the memory: the old termination sent again does not end the new employment.
  assert.equal((await submitHrEvent(withStore(), left.terminate)).status, 'accepted');
  const handle = worker.client.workflow.getHandle(identityWorkflowId(left.person.id));
  await eventually('the re-sent termination handled', async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const signalled = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes ? [i] : []));
    const handled = events.slice(signalled.at(-1)).some((e) => e.workflowTaskCompletedEventAttributes);
    return signalled.length === 2 && handled;
  });
  const status = await handle.query(statusQuery);
  assert.equal(status.stage, 'active');
  assert.deepEqual(status.queued, [], 'the re-sent termination was not queued');
});

void test('without it, the same rehire asks Temporal for the last run before it starts one', async () => {
  const left = await hireAndLetGo(withoutStore());
  assert.equal((await submitHrEvent(withoutStore(), left.hire)).status, 'duplicate');
  assert.deepEqual(take(), ['signal', 'describe']);
  const rehire = hrEvent('rehire', left.person);
  assert.equal((await submitHrEvent(withoutStore(), rehire)).status, 'accepted');
  assert.deepEqual(take(), ['signal', 'describe', 'signalWithStart']);
});
