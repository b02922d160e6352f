// Pending approvals listed across many people waiting: the API's list (visibility plus bounded
// parallel status queries) beside the same list asked one workflow after another.
import type { Client } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { configFromObjects } from '../../config/load';
import { startService } from '../../workers/service';
import { SECRET, startEstate, TOKEN } from './estate';
import { hrEvent, person, postEvent } from './hr';
import { fmt, stats } from './stats';

export async function approvalsListing(client: Client, address: string, waiting: number): Promise<void> {
  const estate = await startEstate({ applications: 1, latencyMs: 0, groups: ['crm-admins'], prefix: 'apr' });
  const loaded = configFromObjects(
    {
      http: { port: 0, hrWebhookSecret: { env: 'SECRET' }, apiToken: { env: 'SECRET' } },
      applications: [{ id: 'crm', kind: 'scim', baseUrl: estate.apps[0]!.baseUrl, token: { env: 'TOKEN' } }],
    },
    {
      version: 'bench-approvals',
      applications: {
        crm: {
          entitlements: {
            'crm-admins': { risk: 'high', approval: { chain: [{ employee: 'A0001' }], stepTimeout: '1d' } },
          },
        },
      },
      roles: [{ id: 'admins', grants: { crm: ['crm-admins'] } }],
    },
    { SECRET, TOKEN },
  );
  const taskQueue = 'bench-approvals';
  const service = await startService({
    loaded,
    temporal: { address, namespace: 'default', taskQueue },
    logger: createLogger('bench').child({}, { level: 'warn' }),
    httpPort: 0,
  });
  try {
    // Numbered apart from the other parts' people, so every one of them is a new hire.
    for (let i = 0; i < waiting; i++) await postEvent(service.apiUrl, hrEvent('hire', person(300_000 + i)));
    const list = async () => {
      const response = await fetch(`${service.apiUrl}/v1/approvals`, {
        headers: { authorization: `Bearer ${SECRET}` },
      });
      return ((await response.json()) as { approvals: unknown[] }).approvals.length;
    };
    const deadline = Date.now() + 120_000 + waiting * 1_000;
    while ((await list()) < waiting) {
      if (Date.now() > deadline) throw new Error(`fewer than ${waiting} approvals came to wait`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const api: number[] = [];
    const oneByOne: number[] = [];
    for (let round = 0; round < 5; round++) {
      let start = performance.now();
      await list();
      api.push(performance.now() - start);
      start = performance.now();
      const query = `TaskQueue = "${taskQueue}" AND PendingApprovals > 0 AND ExecutionStatus = "Running"`;
      for await (const w of client.workflow.list({ query }))
        await client.workflow.getHandle(w.workflowId).query('status');
      oneByOne.push(performance.now() - start);
    }
    const viaApi = stats(api);
    const sequential = stats(oneByOne);
    console.log(`pending approvals listed across ${waiting} people waiting`);
    console.log(`  GET /v1/approvals (16 status queries at once): ${fmt(viaApi)}`);
    console.log(`  the same, one workflow after another:          ${fmt(sequential)}`);
    console.log(`  ratio (median): ${(sequential.median / viaApi.median).toFixed(1)}x faster`);
  } finally {
    await service.stop();
    await estate.stop();
  }
}
