// One SCIM application (`crm`) whose groups every person gets, written out as the jml.yaml and
// policy.yaml that `npm run worker` processes read, for the tests that run workers as processes of
// their own; and a client of the shared Temporal server.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startWorkerProcess } from '../../scripts/lib/worker-process';
import { testDataConverter } from './encryption';
import { testEvidenceEnv } from './evidence';
import { temporalAddress } from './temporal';

export interface WorkerProcesses {
  client: Client;
  /** Starts one more `npm run worker`; resolves once it polls. */
  start(): Promise<ChildProcess>;
  /** Kills every worker started (SIGKILL) and removes the files. */
  stop(): Promise<void>;
}

export async function workerProcesses(options: {
  taskQueue: string;
  /** The CRM's SCIM base URL and token. */
  baseUrl: string;
  token: string;
  groups: string[];
  /** Further keys of the CRM's configuration, e.g. `rateLimit`. */
  crm?: Record<string, unknown>;
}): Promise<WorkerProcesses> {
  const dir = mkdtempSync(join(tmpdir(), 'jml-workers-'));
  const config = join(dir, 'jml.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      temporal: { taskQueue: options.taskQueue },
      http: { hrWebhookSecret: { env: 'T_HR' }, apiToken: { env: 'T_API' } },
      lifecycle: { joinerLeadTime: '0s', maxRetryInterval: '1s' },
      applications: [
        { id: 'crm', kind: 'scim', baseUrl: options.baseUrl, token: { env: 'T_SCIM' }, ...options.crm },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'policy.yaml'),
    JSON.stringify({
      version: 'worker-processes',
      applications: {
        crm: {
          owners: [],
          entitlements: Object.fromEntries(options.groups.map((g) => [g, { risk: 'low' }])),
        },
      },
      roles: [{ id: 'all', when: {}, grants: { crm: options.groups } }],
    }),
  );
  const env = { T_HR: 'hr-secret', T_API: 'api-token', T_SCIM: options.token, ...testEvidenceEnv() };
  const started: ChildProcess[] = [];
  const client = new Client({
    connection: await Connection.connect({ address: temporalAddress() }),
    dataConverter: testDataConverter(),
  });
  return {
    client,
    async start() {
      const child = await startWorkerProcess({ config, temporalAddress: temporalAddress(), env });
      started.push(child);
      return child;
    },
    async stop() {
      for (const child of started) child.kill('SIGKILL');
      await client.connection.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
