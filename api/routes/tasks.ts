// Manual tasks: what waits for whom, and attestations (API token, or a personal token acting as its holder).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { employeeIdSchema } from '../../domain/hr-event';
import { actingAs, bearerAuth, callerOf, listedFor } from '../auth';
import { bearerErrors, notFound, refused } from '../contract/errors';
import { manualTaskSchema } from '../contract/task';
import type { ApiOptions } from '../options';
import { settled } from '../settled';
import { completeTask, completionBodySchema, openTasks } from '../tasks';
import { withTemporal } from '../temporal-unavailable';

export function taskRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const anyBearer = bearerAuth(options);

  routes.get(
    '/v1/tasks',
    {
      onRequest: anyBearer,
      schema: {
        tags: ['Manual tasks'],
        operationId: 'listTasks',
        summary: 'Open manual tasks',
        description: 'A personal token lists only what waits for its holder.',
        security: [{ bearer: [] }],
        querystring: z.object({
          assignee: employeeIdSchema.optional().describe('only the tasks this person may attest'),
        }),
        response: { 200: z.object({ tasks: z.array(manualTaskSchema) }), ...bearerErrors },
      },
    },
    async (request) => {
      const assignee = listedFor(callerOf(request), request.query.assignee);
      return {
        tasks: await withTemporal(options.client, deadlineMs, () =>
          openTasks(options.client, options.taskQueue, assignee),
        ),
      };
    },
  );

  routes.post(
    '/v1/tasks/:taskId',
    {
      config: { invalidBody: 'invalid_completion' },
      onRequest: anyBearer,
      schema: {
        tags: ['Manual tasks'],
        operationId: 'completeTask',
        summary: 'Attest a manual task done (the `completeTask` update)',
        security: [{ bearer: [] }],
        params: z.object({ taskId: z.string().min(1).max(200) }),
        body: completionBodySchema,
        response: {
          200: manualTaskSchema,
          ...bearerErrors,
          404: notFound,
          409: refused.describe('this person may not attest it, or it is no longer open'),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const body = request.body;
      actingAs(caller, body.by);
      const { taskId } = request.params;
      const outcome = await withTemporal(options.client, deadlineMs, () =>
        completeTask(options.client, { taskId, ...body, via: caller.via }),
      );
      const done = settled(outcome, 'completion_refused');
      request.log.info({ taskId, by: body.by, via: caller.via }, 'manual task attested');
      return done;
    },
  );
}
