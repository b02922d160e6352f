// Liveness (the process answers) and readiness (it can do its work); neither needs a token or says
// anything secret, so load balancers and orchestrators can ask.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiOptions, ServerLimits } from '../options';
import { checkReadiness } from '../readiness';
import { RETRY_AFTER_SECONDS } from '../temporal-unavailable';

const readinessSchema = z
  .object({
    ready: z.boolean(),
    temporal: z.enum(['reachable', 'unreachable']),
    pollers: z.number().int().describe('workers Temporal has seen polling the task queue recently'),
    worker: z.enum(['running', 'stopped']).optional().describe("this process's own worker"),
    problem: z.string().optional(),
  })
  .meta({ id: 'Readiness' });

export function healthRoutes(app: FastifyInstance, options: ApiOptions, limits: ServerLimits): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/healthz',
    {
      schema: {
        tags: ['Health'],
        operationId: 'health',
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    () => ({ ok: true as const }),
  );
  routes.get(
    '/readyz',
    {
      schema: {
        tags: ['Health'],
        operationId: 'readiness',
        summary: 'Readiness: Temporal is reachable and a worker polls the task queue',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(options.client, {
        namespace: options.namespace,
        taskQueue: options.taskQueue,
        deadlineMs: limits.readinessDeadlineMs,
        workerRunning: options.workerRunning,
      });
      if (!readiness.ready) reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS));
      return readiness;
    },
  );
}
