// Roster imports through the whole system: `jml roster import` and POST /v1/hr/roster against the
// service on the shared Temporal server, its PostgreSQL evidence store and a real scim2-server. What
// an import sends is checked in the applications and in Temporal itself: the workflows there and the
// HR event signals each one received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { RosterImportResult } from '../../api/roster-import';
import { createApi } from '../../api/server';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import { identityWorkflowId, type IdentityStatus } from '../../domain/lifecycle';
import { ROSTER_FIELDS, type RosterEmployee } from '../../domain/roster';
import type { EvidenceStore } from '../../evidence/store';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { testDataConverter } from '../support/encryption';
import { openTestEvidenceStore } from '../support/evidence';
import { employee } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { jml, type Run } from '../unit/cli-run';

const SCIM_TOKEN = 'roster-scim-token';
const HR_SECRET = 'test-hr-secret';
const API_TOKEN = 'test-api-token';
let scim: ScimServer;
let service: RunningService;
let connection: Connection;
let client: Client;
let dir: string;
let taskQueue: string;
let store: EvidenceStore;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jml-roster-'));
  scim = await startScimServer({ token: SCIM_TOKEN });
  await createScimGroups(scim, ['crm-users', 'crm-readonly']);
  const loaded = buildConfig({
    secrets: { SCIM_TOKEN },
    applications: [
      {
        id: 'crm',
        kind: 'scim',
        baseUrl: scim.baseUrl,
        token: { env: 'SCIM_TOKEN' },
        deprovision: 'disable',
      },
    ],
    // The large rosters' people are in a department no role grants anything: their joiners only plan.
    roles: [
      { id: 'eng', when: { department: ['Engineering'] }, grants: { crm: ['crm-readonly'] } },
      { id: 'sales', when: { department: ['Sales'] }, grants: { crm: ['crm-users'] } },
    ],
  });
  taskQueue = `roster-${Date.now()}`;
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue },
    // The guard's warning about its approvers is not what these tests are about.
    logger: createLogger('roster-test').child({}, { level: 'error' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
  store = await openTestEvidenceStore();
});

after(async () => {
  await service?.stop();
  await connection?.close();
  await store?.close();
  await scim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A source of the test's own: the snapshot store is shared by every test of the run. */
const newSource = () => `test-${randomUUID().slice(0, 8)}`;

function csvCell(value: string | undefined): string {
  if (value === undefined) return '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function writeCsv(people: RosterEmployee[], name = `${randomUUID()}.csv`): string {
  const lines = [
    ROSTER_FIELDS.join(','),
    ...people.map((p) => ROSTER_FIELDS.map((f) => csvCell(p[f])).join(',')),
  ];
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

function cli(args: string[]): Promise<Run> {
  return jml(['roster', 'import', ...args], { JML_URL: service.apiUrl, JML_HR_WEBHOOK_SECRET: HR_SECRET });
}

/** `jml roster import <file> --json`, which must succeed; its answer. */
async function importFile(file: string, source: string, ...flags: string[]): Promise<RosterImportResult> {
  const run = await cli([file, '--source', source, '--json', ...flags]);
  assert.equal(run.code, 0, `jml roster import exits 0:\n${run.stderr}`);
  return JSON.parse(run.stdout) as RosterImportResult;
}

function postRoster(body: unknown, signature?: string): Promise<Response> {
  const text = JSON.stringify(body);
  return fetch(`${service.apiUrl}/v1/hr/roster`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-jml-signature': signature ?? signPayload(text, HR_SECRET),
    },
    body: text,
  });
}

async function status(employeeId: string): Promise<IdentityStatus | undefined> {
  const response = await fetch(`${service.apiUrl}/v1/identities/${employeeId}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200);
  return (await response.json()) as IdentityStatus;
}

/**
 * The HR events Temporal delivered to the person's workflow (its current run and the runs it
 * continued from), or undefined when there is no such workflow.
 */
async function signalsTo(employeeId: string): Promise<number | undefined> {
  const workflowId = identityWorkflowId(employeeId);
  let runId: string;
  try {
    ({ runId } = await client.workflow.getHandle(workflowId).describe());
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  let count = 0;
  for (let run = runId; run;) {
    const history = await client.workflow.getHandle(workflowId, run).fetchHistory();
    const events = history.events ?? [];
    count += events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    run = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '';
  }
  return count;
}

/** signalsTo for many people, a few at a time; keyed by employee id. */
async function signalsToEach(ids: string[]): Promise<Map<string, number | undefined>> {
  const counts = new Map<string, number | undefined>();
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      counts.set(id, await signalsTo(id));
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return counts;
}

async function scimUser(userName: string): Promise<{ id: string; active: boolean } | undefined> {
  const filter = encodeURIComponent(`userName eq "${userName}"`);
  const response = await fetch(`${scim.baseUrl}/Users?filter=${filter}`, {
    headers: { authorization: `Bearer ${SCIM_TOKEN}` },
  });
  const body = (await response.json()) as { Resources?: { id: string; active: boolean }[] };
  return body.Resources?.[0];
}

async function scimGroupsOf(userId: string): Promise<string[]> {
  const response = await fetch(`${scim.baseUrl}/Groups`, {
    headers: { authorization: `Bearer ${SCIM_TOKEN}` },
  });
  const body = (await response.json()) as {
    Resources: { displayName: string; members?: { value: string }[] }[];
  };
  return body.Resources.filter((g) => g.members?.some((m) => m.value === userId))
    .map((g) => g.displayName)
    .sort();
}

const typesOf = (result: RosterImportResult) => result.events.map((e) => `${e.type} ${e.employeeId}`).sort();

void describe('a roster in a SCIM application', () => {
  const source = newSource();
  const ada = employee({ department: 'Engineering' });
  const bob = employee({ department: 'Engineering', title: 'Engineer, Senior' });
  const cy = employee({ department: 'Sales' });
  const dee = employee({ department: 'Sales' });

  void test('a dry run prints the events it would send, and sends none', async () => {
    const run = await cli([writeCsv([ada, bob, cy]), '--source', source, '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /3 employees; 3 hires, 0 rehires, 0 changes, 0 terminations, 0 unchanged/);
    assert.match(run.stdout, /^TYPE +EMPLOYEE +EVENT +EFFECTIVE +CHANGED$/m);
    for (const p of [ada, bob, cy])
      assert.match(run.stdout, new RegExp(`^hire +${p.id} +roster-hire-[0-9a-f]{32} +now`, 'm'));
    assert.match(run.stdout, /dry run: nothing was sent/);
    const json = await importFile(writeCsv([ada, bob, cy]), source, '--dry-run');
    assert.equal(json.dryRun, true);
    assert.equal(json.complete, false);
    assert.deepEqual(
      json.events.map((e) => e.event?.employee),
      [ada, bob, cy],
      'the whole events, with the people as the roster has them',
    );
    for (const p of [ada, bob, cy]) assert.equal(await signalsTo(p.id), undefined, 'no workflow was started');
  });

  void test('an import hires everyone, and the accounts appear; the same file again sends nothing', async () => {
    const file = writeCsv([ada, bob, cy]);
    const first = await importFile(file, source);
    assert.deepEqual(first.counts, { hire: 3, rehire: 0, change: 0, terminate: 0, unchanged: 0 });
    assert.equal(first.complete, true);
    assert.equal(first.previousSnapshotId, undefined);
    assert.deepEqual(
      first.events.map((e) => e.status),
      ['accepted', 'accepted', 'accepted'],
    );
    for (const p of [ada, bob, cy]) {
      await eventually(`${p.id} active`, async () => (await status(p.id))?.stage === 'active');
    }
    const crmAda = await scimUser(ada.userName);
    assert.deepEqual(await scimGroupsOf(crmAda!.id), ['crm-readonly']);
    assert.deepEqual(await scimGroupsOf((await scimUser(cy.userName))!.id), ['crm-users']);

    const again = await importFile(writeCsv([cy, ada, bob]), source);
    assert.deepEqual(again.counts, { hire: 0, rehire: 0, change: 0, terminate: 0, unchanged: 3 });
    assert.deepEqual(again.events, []);
    assert.equal(again.snapshotId, first.snapshotId, 'the same rows in another order are the same snapshot');
    assert.equal(again.previousSnapshotId, first.snapshotId);
    for (const p of [ada, bob, cy]) assert.equal(await signalsTo(p.id), 1, `${p.id} got its hire only`);
  });

  void test('a changed roster sends the differences: a move, a termination and a hire, each seen in the application', async () => {
    const movedAda = { ...ada, department: 'Sales' };
    const result = await importFile(writeCsv([movedAda, cy, dee]), source);
    assert.deepEqual(typesOf(result), [`change ${ada.id}`, `hire ${dee.id}`, `terminate ${bob.id}`].sort());
    assert.deepEqual(result.counts, { hire: 1, rehire: 0, change: 1, terminate: 1, unchanged: 1 });
    assert.deepEqual(result.events.find((e) => e.type === 'change')?.changed, ['department']);
    const left = await eventually('the leaver to finish', async () => {
      const s = await status(bob.id);
      return s?.stage === 'left' && s;
    });
    assert.equal(left.lastLeaver?.applications[0]?.outcome, 'verified');
    assert.equal((await scimUser(bob.userName))?.active, false, "the dropped employee's account is disabled");
    const crmAda = await scimUser(ada.userName);
    await eventually('the move to finish', async () => {
      const s = await status(ada.id);
      return (
        s?.stage === 'active' &&
        s.lastJoiner?.eventId === result.events.find((e) => e.type === 'change')?.eventId
      );
    });
    assert.deepEqual(await scimGroupsOf(crmAda!.id), ['crm-users']);
    await eventually(`${dee.id} active`, async () => (await status(dee.id))?.stage === 'active');
    assert.equal((await scimUser(dee.userName))?.active, true);
    assert.equal(await signalsTo(cy.id), 1, 'the unchanged employee got nothing');
  });

  void test('someone the roster dropped who comes back is rehired', async () => {
    const result = await importFile(writeCsv([{ ...ada, department: 'Sales' }, bob, cy, dee]), source);
    assert.deepEqual(typesOf(result), [`rehire ${bob.id}`]);
    await eventually('rehired', async () => (await status(bob.id))?.stage === 'active');
    assert.equal((await scimUser(bob.userName))?.active, true);
  });

  void test('a file with one invalid row sends nothing and names the row and field', async () => {
    const newcomer = employee({ department: 'Sales' });
    const file = writeCsv([ada, { ...newcomer, email: 'not-an-email' }, cy]);
    const run = await cli([file, '--source', source]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(`${file}: line 3: email: Invalid email address`), run.stderr);
    assert.ok(run.stderr.includes(`${file}: nothing was sent`), run.stderr);
    assert.equal(await signalsTo(newcomer.id), undefined);
    assert.equal(await signalsTo(ada.id), 2, 'not even the valid rows were sent (the move)');
  });
});

void describe('POST /v1/hr/roster', () => {
  const source = newSource();

  void test('is signed like HR events: unsigned or badly signed requests are refused and send nothing', async () => {
    const person = employee();
    const body = { source, employees: [person] };
    for (const signature of ['', 'v1=abc', signPayload(JSON.stringify(body), 'not-the-secret')]) {
      const response = await postRoster(body, signature);
      assert.equal(response.status, 401, signature);
    }
    assert.equal(await signalsTo(person.id), undefined);
  });

  void test('names every invalid field by its index, refuses a repeated id, and sends nothing', async () => {
    const [a, b] = [employee(), employee()];
    const invalid = await postRoster({
      source,
      employees: [a, { ...b, email: 'x', employmentType: 'boss' }],
    });
    assert.equal(invalid.status, 400);
    const answer = (await invalid.json()) as { error: string; problems: { path: string }[] };
    assert.equal(answer.error, 'invalid_roster');
    assert.deepEqual(answer.problems.map((p) => p.path).sort(), [
      'employees.1.email',
      'employees.1.employmentType',
    ]);
    const repeated = await postRoster({ source, employees: [a, b, { ...b, userName: 'someone.else' }] });
    assert.equal(repeated.status, 400);
    assert.deepEqual(((await repeated.json()) as { problems: unknown }).problems, [
      { path: 'employees.2.id', message: 'the same id as employees.1' },
    ]);
    const empty = await postRoster({ source, employees: [] });
    assert.equal(empty.status, 400);
    for (const p of [a, b]) assert.equal(await signalsTo(p.id), undefined);
  });

  void test('a dry run answers 200 with the whole events; the import 202 with what the intake said', async () => {
    const person = employee({ department: 'Nowhere' });
    const dry = await postRoster({ source, dryRun: true, employees: [person] });
    assert.equal(dry.status, 200);
    const planned = (await dry.json()) as RosterImportResult;
    assert.equal(planned.events[0]?.event?.type, 'hire');
    assert.equal(await signalsTo(person.id), undefined);
    const sent = await postRoster({ source, employees: [person] });
    assert.equal(sent.status, 202);
    const result = (await sent.json()) as RosterImportResult;
    assert.equal(result.events[0]?.eventId, planned.events[0]?.eventId, 'the dry run showed the very event');
    assert.equal(result.events[0]?.status, 'accepted');
  });
});

void describe('a roster of 1,000 people', () => {
  const source = newSource();
  const run = randomUUID().slice(0, 6);
  // In a department no role grants anything: each joiner plans and is done, without an application call.
  const people = Array.from({ length: 1000 }, (_, i) =>
    employee({ id: `K${run}-${String(i).padStart(4, '0')}`, department: 'Nowhere' }),
  );
  const ids = people.map((p) => p.id);

  void test('imports as 1,000 hires; a second import of the same file sends nothing', async () => {
    const file = writeCsv(people);
    const first = await importFile(file, source);
    assert.deepEqual(first.counts, { hire: 1000, rehire: 0, change: 0, terminate: 0, unchanged: 0 });
    assert.equal(first.events.filter((e) => e.status === 'accepted').length, 1000);
    assert.equal(first.complete, true);

    const second = await importFile(file, source);
    assert.deepEqual(second.counts, { hire: 0, rehire: 0, change: 0, terminate: 0, unchanged: 1000 });
    assert.deepEqual(second.events, []);
    const signals = await signalsToEach(ids);
    assert.deepEqual(
      ids.filter((id) => signals.get(id) !== 1),
      [],
      'every workflow exists in Temporal and received exactly one HR event, the hire',
    );
  });

  void test('a changed file sends exactly the differences', async () => {
    const changed = new Set(ids.slice(0, 10));
    const dropped = new Set(ids.slice(10, 15));
    const joiners = Array.from({ length: 5 }, (_, i) =>
      employee({ id: `K${run}-new-${i}`, department: 'Nowhere' }),
    );
    const next = [
      ...people
        .filter((p) => !dropped.has(p.id))
        .map((p) => (changed.has(p.id) ? { ...p, title: 'Senior Engineer' } : p)),
      ...joiners,
    ];
    const result = await importFile(writeCsv(next), source);
    assert.deepEqual(result.counts, { hire: 5, rehire: 0, change: 10, terminate: 5, unchanged: 985 });
    assert.deepEqual(
      typesOf(result),
      [
        ...[...changed].map((id) => `change ${id}`),
        ...joiners.map((p) => `hire ${p.id}`),
        ...[...dropped].map((id) => `terminate ${id}`),
      ].sort(),
    );
    assert.equal(result.events.filter((e) => e.status === 'accepted').length, 20);

    const signals = await signalsToEach([...ids, ...joiners.map((p) => p.id)]);
    const expected = (id: string) => (changed.has(id) || dropped.has(id) ? 2 : 1);
    assert.deepEqual(
      [...signals].filter(([id, count]) => count !== expected(id)),
      [],
      'the changed and dropped people got one event more; the joiners one; everyone else nothing new',
    );
  });
});

/** A TCP proxy in front of the Temporal server that can be cut: every connection dropped, none accepted. */
async function temporalProxy(): Promise<{ address: string; cut: () => Promise<void> }> {
  const [host, port] = temporalAddress().split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connectTcp(Number(port), host);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${proxyPort}`,
    // Safe to call again: a closed server just says so.
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

void describe('an import that stops half-way', () => {
  void test('answers 503 with how far it got, and the same roster again sends the rest, each person once', async () => {
    const source = newSource();
    const people = Array.from({ length: 300 }, () => employee({ department: 'Nowhere' }));
    const proxy = await temporalProxy();
    const proxied = await Connection.connect({ address: proxy.address });
    // The API of a second jml process whose way to Temporal breaks; the service's worker does the work.
    const api = await createApi({
      client: new Client({ connection: proxied, namespace: 'default', dataConverter: testDataConverter() }),
      namespace: 'default',
      taskQueue,
      settings: { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 },
      hrWebhookSecret: HR_SECRET,
      apiToken: API_TOKEN,
      maxBodyBytes: 65536,
      signatureToleranceMs: 300_000,
      logger: createLogger('roster-test').child({}, { level: 'silent' }),
      rosters: store.rosters,
      limits: { temporalDeadlineMs: 2000 },
    });
    try {
      await api.listen({ port: 0, host: '127.0.0.1' });
      const { port } = api.server.address() as { port: number };
      const body = JSON.stringify({ source, employees: people });
      const answer = fetch(`http://127.0.0.1:${port}/v1/hr/roster`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, HR_SECRET) },
        body,
      });
      const recorded = async () =>
        Number(
          (
            await store.reader.query<{ n: string }>(
              'SELECT count(*)::text AS n FROM roster_people WHERE source = $1',
              [source],
            )
          )[0]!.n,
        );
      await eventually('a third of the people recorded', async () => (await recorded()) >= 100, 60_000);
      await proxy.cut();
      const stopped = await answer;
      const { message } = (await stopped.json()) as { message: string };
      assert.equal(stopped.status, 503, message);
      const sentBefore = await recorded();
      assert.ok(sentBefore >= 100 && sentBefore < 300, `recorded ${sentBefore}`);
      assert.match(
        message,
        new RegExp(`; \\d+ of 300 events were sent and recorded; send the same roster again`),
      );

      const rest = await importFile(writeCsv(people), source);
      assert.equal(rest.events.length, 300 - sentBefore, 'only what was not recorded is sent');
      assert.equal(rest.complete, true);
      const again = await importFile(writeCsv(people), source);
      assert.deepEqual(again.events, []);
      // 300 hires were sent in a moment; on a busy machine the first answers can take a while.
      for (const person of people) {
        const processed = await eventually(
          `${person.id} hired`,
          async () => {
            const s = await status(person.id);
            return s?.stage === 'active' && s.history;
          },
          120_000,
        );
        assert.deepEqual(
          processed.map((h) => h.type),
          ['hire'],
          `${person.id} was hired once (an event sent again under its id is ignored)`,
        );
      }
    } finally {
      await proxy.cut();
      await api.close();
      await proxied.close();
    }
  });
});
