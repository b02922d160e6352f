// The OpenAPI document as the server generates it, without Temporal or a listening socket: for
// `npm run openapi` (which commits it as openapi.json) and the test that keeps that file current.
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApi } from './server';

export async function generateOpenApiDocument(): Promise<unknown> {
  // Never dialled: generating the document calls no route.
  const connection = Connection.lazy({ address: '127.0.0.1:7233' });
  const app = await createApi({
    client: new Client({ connection, namespace: 'default' }),
    namespace: 'default',
    taskQueue: 'jml',
    settings: { joinerLeadTimeMs: 0, maxRetryIntervalMs: 0 },
    hrWebhookSecret: 'unused',
    apiToken: 'unused',
    maxBodyBytes: 65536,
    signatureToleranceMs: 0,
    logger: pino({ level: 'silent' }),
  });
  try {
    return app.swagger();
  } finally {
    await app.close();
    await connection.close();
  }
}
