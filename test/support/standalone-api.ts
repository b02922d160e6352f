// The HTTP API alone on a free port, with whatever Temporal client a test gives it (a dead address,
// a silent one) and the test's own limits; no worker.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApi } from '../../api/server';
import type { ServerLimits } from '../../api/options';
import { testDataConverter } from './encryption';

export const API_TOKEN = 'standalone-api-token';
export const HR_SECRET = 'standalone-hr-secret';

export interface StandaloneApi {
  url: string;
  port: number;
  stop: () => Promise<void>;
}

export async function startStandaloneApi(
  temporalAddress: string,
  limits: Partial<ServerLimits> = {},
): Promise<StandaloneApi> {
  // Lazy: the API must start (and answer 503) while Temporal is not there.
  const connection = Connection.lazy({ address: temporalAddress });
  const app = await createApi({
    client: new Client({ connection, namespace: 'default', dataConverter: testDataConverter() }),
    namespace: 'default',
    // Its own queue, so that no worker of another test answers for it.
    taskQueue: `standalone-${randomUUID()}`,
    settings: { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 },
    hrWebhookSecret: HR_SECRET,
    apiToken: API_TOKEN,
    maxBodyBytes: 65536,
    signatureToleranceMs: 300_000,
    logger: pino({ level: 'silent' }),
    limits,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      await app.close();
      await connection.close();
    },
  };
}
