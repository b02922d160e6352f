// jml's HTTP API over an evidence store this process holds, as the service serves it, with a
// Temporal client that is never dialled: the evidence routes ask Temporal nothing.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createApi } from '../../api/server';
import type { EvidenceStore } from '../../evidence/store';

export interface EvidenceApi {
  app: FastifyInstance;
  close: () => Promise<void>;
}

export async function evidenceApi(
  store: Pick<EvidenceStore, 'reader' | 'publicKey'> | undefined,
  tokens: { apiToken: string; personalTokenSecret: string },
): Promise<EvidenceApi> {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = await createApi({
    client: new Client({ connection, namespace: 'default' }),
    namespace: 'default',
    taskQueue: 'evidence-api',
    settings: { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 },
    hrWebhookSecret: 'unused',
    ...tokens,
    maxBodyBytes: 65536,
    signatureToleranceMs: 300_000,
    logger: pino({ level: 'silent' }),
    ...(store ? { evidence: store } : {}),
  });
  return {
    app,
    close: async () => {
      await app.close();
      await connection.close();
    },
  };
}
