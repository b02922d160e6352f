// Prometheus metrics (text exposition format 0.0.4): this process's registry — Node's figures and
// the lifecycle events its worker wrote as evidence — followed by the lifecycle state read from
// Temporal (cached). Bearer token: the metrics token or the API token.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { joinExpositions, METRICS_CONTENT_TYPE, processMetricsRegistry } from '../../common/metrics';
import { errorSchema } from '../contract/errors';
import { HttpError } from '../http-error';
import { LifecycleStateMetrics } from '../lifecycle-state-metrics';
import { mayReadMetrics, METRICS_UNAUTHORIZED } from '../metrics-auth';
import type { ApiOptions, ServerLimits } from '../options';
import { syncHook } from '../sync-hook';

export function metricsRoutes(app: FastifyInstance, options: ApiOptions, limits: ServerLimits): void {
  const registry = options.metricsRegistry ?? processMetricsRegistry();
  const state = new LifecycleStateMetrics(options.client, {
    taskQueue: options.taskQueue,
    cacheMs: limits.metricsCacheMs,
    deadlineMs: limits.temporalDeadlineMs,
  });
  const scrapersOnly = syncHook((request) => {
    if (!mayReadMetrics(options, request.headers.authorization)) {
      throw new HttpError(401, { ...METRICS_UNAUTHORIZED });
    }
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/metrics',
    {
      onRequest: scrapersOnly,
      schema: {
        tags: ['Health'],
        operationId: 'metrics',
        summary: 'Prometheus metrics: lifecycle events, lifecycle state from Temporal, the process',
        description:
          'Text exposition format 0.0.4. The lifecycle state gauges are read from Temporal at most once ' +
          'per 5 s (scrapes in between get the same reading); while Temporal cannot be read they are ' +
          'left out and `jml_temporal_up` is 0.',
        security: [{ metricsBearer: [] }],
        response: {
          200: {
            description: 'the metrics',
            content: { 'text/plain': { schema: z.string() } },
          },
          401: errorSchema.describe('missing or wrong bearer token'),
        },
      },
    },
    async (request, reply) => {
      const { text, problem } = await state.exposition();
      if (problem) request.log.warn({ problem }, 'lifecycle state could not be read from Temporal');
      return reply.type(METRICS_CONTENT_TYPE).send(joinExpositions([await registry.metrics(), text]));
    },
  );
}
