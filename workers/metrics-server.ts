// A worker running on its own (`npm run worker`) has no HTTP API, yet the lifecycle events it writes
// as evidence are counted in its own process: with JML_METRICS_PORT set it serves its registry at
// GET /metrics (the same bearer tokens as the API's), so a scraper reads every worker.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { mayReadMetrics, METRICS_UNAUTHORIZED, type MetricsTokens } from '../api/metrics-auth';
import { onlyMethods } from '../api/method-not-allowed';
import type { Logger } from '../common/logger';
import { METRICS_CONTENT_TYPE } from '../common/metrics';
import { ConfigError } from '../config/load';
import { describeIssues } from '../domain/hr-event';

export interface MetricsListen {
  host: string;
  port: number;
}

const envSchema = z.object({
  JML_METRICS_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number (0 takes a free one)')
    .transform(Number)
    .pipe(z.number().max(65535, 'must be a port number up to 65535'))
    .optional(),
  JML_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

/** Where to serve metrics, from JML_METRICS_PORT and JML_METRICS_HOST; none without a port. */
export function metricsListenFromEnv(env: NodeJS.ProcessEnv): MetricsListen | undefined {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error));
  const { JML_METRICS_PORT: port, JML_METRICS_HOST: host } = parsed.data;
  return port === undefined ? undefined : { host, port };
}

export interface RunningMetricsServer {
  url: string;
  stop: () => Promise<void>;
}

export async function serveMetrics(options: {
  registry: Registry;
  tokens: MetricsTokens;
  listen: MetricsListen;
  logger: Logger;
}): Promise<RunningMetricsServer> {
  // Typed with Fastify's own logger interface, as the API is.
  const app: FastifyInstance = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: options.logger,
    // A scrape every few seconds would bury the worker's own log lines.
    disableRequestLogging: true,
  });
  app.get('/metrics', async (request, reply) => {
    if (!mayReadMetrics(options.tokens, request.headers.authorization)) {
      return reply.code(401).send(METRICS_UNAUTHORIZED);
    }
    return reply.type(METRICS_CONTENT_TYPE).send(await options.registry.metrics());
  });
  onlyMethods(app, '/metrics', ['GET']);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));
  const { host, port } = options.listen;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `cannot serve metrics on ${host}:${port}: ${code} (JML_METRICS_HOST, JML_METRICS_PORT move it)`,
    );
  }
  const address = app.server.address() as AddressInfo;
  const shown = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}/metrics`;
  options.logger.info({ url }, 'metrics served');
  return { url, stop: () => app.close() };
}
