// Benchmark part: how soon a leaver recovers when the worker running its application call dies
// (SIGKILL, mid-call). Two `npm run worker` processes poll one task queue; the one holding the call
// is killed while the application hangs on it; the figure is the time until the other worker retries
// the call, and until the leaver is verified. Prints figures; asserts nothing.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { submitHrEvent } from '../../api/intake';
import { identityWorkflowId } from '../../domain/lifecycle';
import { statusQuery } from '../../workflows/messages';
import { startFaultProxy } from '../lib/fault-proxy';
import { createScimGroups, startScimServer } from '../lib/scim-server';
import { startWorkerProcess } from '../lib/worker-process';

const TOKEN = 'bench-loss-token';
const GROUPS = ['g1', 'g2', 'g3'];

export interface WorkerLossFigures {
  retriedAfterMs: number[];
  verifiedAfterMs: number[];
}

export async function measureWorkerLoss(
  client: Client,
  address: string,
  dir: string,
  trials: number,
): Promise<WorkerLossFigures> {
  const scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, GROUPS);
  const proxy = await startFaultProxy(scim.port);
  const taskQueue = `bench-loss-${randomUUID()}`;
  writeFileSync(
    join(dir, 'loss.yaml'),
    JSON.stringify({
      temporal: { taskQueue },
      http: { hrWebhookSecret: { env: 'B_SECRET' }, apiToken: { env: 'B_SECRET' } },
      lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '1s' },
      applications: [{ id: 'app', kind: 'scim', baseUrl: proxy.url('/v2'), token: { env: 'B_TOKEN' } }],
      policy: 'loss-policy.yaml',
    }),
  );
  writeFileSync(
    join(dir, 'loss-policy.yaml'),
    JSON.stringify({
      version: 'bench-loss',
      applications: { app: { entitlements: Object.fromEntries(GROUPS.map((g) => [g, {}])) } },
      roles: [{ id: 'all', grants: { app: GROUPS } }],
    }),
  );
  const workers = new Map<number, ChildProcess>();
  const startWorker = async () => {
    const child = await startWorkerProcess({
      config: join(dir, 'loss.yaml'),
      temporalAddress: address,
      env: { B_SECRET: 'bench', B_TOKEN: TOKEN },
    });
    workers.set(child.pid!, child);
    child.once('exit', () => workers.delete(child.pid!));
  };
  const figures: WorkerLossFigures = { retriedAfterMs: [], verifiedAfterMs: [] };
  const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
  try {
    await Promise.all([startWorker(), startWorker()]);
    for (let i = 0; i < trials; i++) {
      const id = `L${randomUUID().slice(0, 8)}`;
      const employee = {
        id,
        userName: `loss.${id}`,
        email: `${id}@example.com`,
        givenName: 'Loss',
        familyName: id,
        department: 'Engineering',
        title: 'Engineer',
        location: 'Berlin',
        employmentType: 'employee' as const,
      };
      const event = (type: 'hire' | 'terminate') => ({
        eventId: `bench-loss-${type}-${id}`,
        type,
        occurredAt: new Date().toISOString(),
        source: 'bench',
        urgent: type === 'terminate' ? true : undefined,
        employee,
      });
      const handle = client.workflow.getHandle(identityWorkflowId(id));
      await submitHrEvent({ client, taskQueue, settings }, event('hire'));
      while ((await handle.query(statusQuery)).stage !== 'active')
        await new Promise((r) => setTimeout(r, 20));
      let patches = 0;
      const hung = proxy.holdNext(
        (method, path) => method === 'PATCH' && path.startsWith('/v2/Groups/') && ++patches === 2,
      );
      await submitHrEvent({ client, taskQueue, settings }, event('terminate'));
      await hung;
      const { raw } = await handle.describe();
      const holder = raw.pendingActivities?.[0]?.lastWorkerIdentity ?? '';
      const pid = Number(holder.split('@')[0]);
      const seenBefore = proxy.requests;
      const killedAt = performance.now();
      workers.get(pid)?.kill('SIGKILL');
      const retried = (async () => {
        while (proxy.requests === seenBefore) await new Promise((r) => setTimeout(r, 5));
        return performance.now() - killedAt;
      })();
      await handle.result();
      figures.verifiedAfterMs.push(performance.now() - killedAt);
      figures.retriedAfterMs.push(await retried);
      await startWorker();
    }
  } finally {
    for (const child of workers.values()) child.kill('SIGKILL');
    await proxy.stop();
    await scim.stop();
  }
  return figures;
}
