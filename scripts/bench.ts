// Benchmark: how long a leaver takes from the HR event's 202 to every application verified, through
// the real HTTP API, Temporal dev server and scim2-server applications; beside it, the same removals
// done by a plain sequential script (no workflow), for the ratio. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signPayload, SIGNATURE_HEADER } from '../api/signature';
import { createLogger } from '../common/logger';
import { configFromObjects } from '../config/load';
import { createConnectors } from '../connectors/registry';
import type { HrEvent } from '../domain/hr-event';
import { identityWorkflowId } from '../domain/lifecycle';
import { connectClient } from '../workers/temporal';
import { installTemporalLogger } from '../workers/runtime-logger';
import { startService } from '../workers/service';
import { measureWorkerLoss } from './bench-worker-loss';
import { createScimGroups, startScimServer } from './lib/scim-server';
import { startDevServer } from './lib/temporal-dev-server';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 20);
/** People waiting for approval when the list of pending approvals is timed (0 skips that part). */
const WAITING = Number(process.env.BENCH_APPROVALS ?? 100);
/** Leavers whose worker is killed mid-call (0 skips that part). */
const LOSS_TRIALS = Number(process.env.BENCH_WORKER_LOSS ?? 3);
/** As workflows/activities-proxy.ts sets it. */
const HEARTBEAT_TIMEOUT_MS = 5_000;
const SECRET = 'bench-secret';
const TOKEN = 'bench-token';

function person(i: number) {
  return {
    id: `B${String(i).padStart(5, '0')}`,
    userName: `bench.${i}`,
    email: `bench.${i}@example.com`,
    givenName: 'Bench',
    familyName: `Person ${i}`,
    department: 'Engineering',
    title: 'Engineer',
    location: 'Berlin',
    employmentType: 'employee' as const,
  };
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const fmt = (s: ReturnType<typeof stats>) =>
  `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`;

const logger = createLogger('bench').child({}, { level: 'warn' });
installTemporalLogger(logger);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jml-bench-'));
  const server = await startDevServer({ headless: true, dbFile: join(dir, 'temporal.db') });
  const [crm, wiki] = await Promise.all([
    startScimServer({ token: TOKEN }),
    startScimServer({ token: TOKEN }),
  ]);
  await createScimGroups(crm, ['crm-readonly', 'crm-admins']);
  await createScimGroups(wiki, ['staff', 'engineering']);
  const loaded = configFromObjects(
    {
      http: { port: 0, hrWebhookSecret: { env: 'SECRET' }, apiToken: { env: 'SECRET' } },
      applications: [
        { id: 'crm', kind: 'scim', baseUrl: crm.baseUrl, token: { env: 'TOKEN' }, deprovision: 'disable' },
        { id: 'wiki', kind: 'scim', baseUrl: wiki.baseUrl, token: { env: 'TOKEN' }, deprovision: 'delete' },
      ],
    },
    {
      version: 'bench',
      applications: {
        crm: {
          entitlements: {
            'crm-readonly': {},
            'crm-admins': { risk: 'high', approval: { chain: [{ employee: 'A0001' }], stepTimeout: '1d' } },
          },
        },
        wiki: { entitlements: { staff: {}, engineering: {} } },
      },
      roles: [
        { id: 'all', grants: { wiki: ['staff'] } },
        { id: 'admins', when: { title: ['CRM Admin'] }, grants: { crm: ['crm-admins'] } },
        {
          id: 'eng',
          when: { department: ['Engineering'] },
          grants: { wiki: ['engineering'], crm: ['crm-readonly'] },
        },
      ],
    },
    { SECRET, TOKEN },
  );
  const { config } = loaded;
  const temporal = { address: server.address, namespace: 'default', taskQueue: 'bench' };
  const service = await startService({
    loaded,
    temporal,
    logger,
    httpPort: 0,
  });
  const client = await connectClient(temporal);
  const connectors = createConnectors(config.applications);

  const post = async (event: HrEvent) => {
    const body = JSON.stringify(event);
    const response = await fetch(`${service.apiUrl}/v1/hr/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(body, SECRET) },
      body,
    });
    if (response.status !== 202)
      throw new Error(`HR event answered ${response.status}: ${await response.text()}`);
  };
  const event = (type: HrEvent['type'], i: number): HrEvent => ({
    eventId: `bench-${type}-${i}`,
    type,
    occurredAt: new Date().toISOString(),
    source: 'bench',
    urgent: type === 'terminate' ? true : undefined,
    employee: person(i),
  });

  try {
    const leaver: number[] = [];
    const sequential: number[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      await post(event('hire', i));
      const handle = client.workflow.getHandle(identityWorkflowId(person(i).id));
      while ((await handle.query<{ stage: string }>('status')).stage !== 'active')
        await new Promise((r) => setTimeout(r, 10));
      await post(event('terminate', i));
      const accepted = performance.now();
      await handle.result();
      leaver.push(performance.now() - accepted);
    }
    // The same removal, as a script would do it: one application after the other, then read back.
    for (let i = PEOPLE; i < 2 * PEOPLE; i++) {
      const p = person(i);
      const ref = { employeeId: p.id, userName: p.userName };
      for (const [appId, connector] of connectors) {
        await connector.ensureAccount({
          ...ref,
          email: p.email,
          givenName: p.givenName,
          familyName: p.familyName,
        });
        for (const group of appId === 'crm' ? ['crm-readonly'] : ['staff', 'engineering'])
          await connector.grant(ref, group);
      }
      const start = performance.now();
      for (const [appId, connector] of connectors) {
        const state = await connector.readState(ref);
        await connector.disable(ref);
        for (const group of state.entitlements) await connector.revoke(ref, group);
        if (appId === 'wiki') await connector.delete(ref);
        await connector.readState(ref);
      }
      sequential.push(performance.now() - start);
    }
    const jml = stats(leaver);
    const script = stats(sequential);
    console.log(`leaver, 2 SCIM applications, ${PEOPLE} people, one at a time`);
    console.log(`  jml: HR event 202 → every application verified: ${fmt(jml)}`);
    console.log(`  sequential script, same calls, no workflow:     ${fmt(script)}`);
    console.log(`  ratio jml / script (median): ${(jml.median / script.median).toFixed(2)}`);

    if (WAITING > 0) {
      // Many people waiting for approval: the API's list beside the same list asked one workflow at a time.
      for (let i = 0; i < WAITING; i++) {
        await post({ ...event('hire', 10_000 + i), employee: { ...person(10_000 + i), title: 'CRM Admin' } });
      }
      const list = async () => {
        const response = await fetch(`${service.apiUrl}/v1/approvals`, {
          headers: { authorization: `Bearer ${SECRET}` },
        });
        return ((await response.json()) as { approvals: unknown[] }).approvals.length;
      };
      while ((await list()) < WAITING) await new Promise((r) => setTimeout(r, 200));
      const api: number[] = [];
      const oneByOne: number[] = [];
      for (let round = 0; round < 5; round++) {
        let start = performance.now();
        await list();
        api.push(performance.now() - start);
        start = performance.now();
        const query = 'TaskQueue = "bench" AND PendingApprovals > 0 AND ExecutionStatus = "Running"';
        for await (const w of client.workflow.list({ query }))
          await client.workflow.getHandle(w.workflowId).query('status');
        oneByOne.push(performance.now() - start);
      }
      const viaApi = stats(api);
      const sequentialList = stats(oneByOne);
      console.log(`pending approvals listed across ${WAITING} people waiting`);
      console.log(`  GET /v1/approvals (16 status queries at once): ${fmt(viaApi)}`);
      console.log(`  the same, one workflow after another:          ${fmt(sequentialList)}`);
      console.log(`  ratio (median): ${(sequentialList.median / viaApi.median).toFixed(1)}x faster`);
    }

    if (LOSS_TRIALS > 0) {
      const loss = await measureWorkerLoss(client, server.address, dir, LOSS_TRIALS);
      const retried = stats(loss.retriedAfterMs);
      const verified = stats(loss.verifiedAfterMs);
      console.log(
        `worker killed mid-call in a leaver (2 workers, the one running the call killed), ${LOSS_TRIALS} trials`,
      );
      console.log(`  kill → the other worker retries the call:  ${fmt(retried)}`);
      console.log(`  kill → every application verified:        ${fmt(verified)}`);
      console.log(
        `  bound: heartbeat timeout ${HEARTBEAT_TIMEOUT_MS / 1000} s; without heartbeats it is the start-to-close timeout, 120 s (ratio ${(120_000 / verified.median).toFixed(1)}x)`,
      );
    }
  } finally {
    await Promise.all([...connectors.values()].map((c) => c.close()));
    await client.connection.close();
    await service.stop();
    await Promise.all([crm.stop(), wiki.stop()]);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
