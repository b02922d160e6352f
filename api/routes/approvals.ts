// Approvals: what waits for whom, and decisions (API token, or a personal token acting as its holder).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { employeeIdSchema } from '../../domain/hr-event';
import { decide, decisionBodySchema, pendingApprovals } from '../approvals';
import { actingAs, bearerAuth, callerOf, listedFor } from '../auth';
import { approvalRequestSchema } from '../contract/approval';
import { bearerErrors, notFound, refused } from '../contract/errors';
import type { ApiOptions } from '../options';
import { settled } from '../settled';
import { withTemporal } from '../temporal-unavailable';

export function approvalRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const anyBearer = bearerAuth(options);

  routes.get(
    '/v1/approvals',
    {
      onRequest: anyBearer,
      schema: {
        tags: ['Approvals'],
        operationId: 'listApprovals',
        summary: 'Pending approval requests',
        description: 'A personal token lists only what waits for its holder.',
        security: [{ bearer: [] }],
        querystring: z.object({
          approver: employeeIdSchema.optional().describe('only the requests this approver may decide'),
        }),
        response: { 200: z.object({ approvals: z.array(approvalRequestSchema) }), ...bearerErrors },
      },
    },
    async (request) => {
      const approver = listedFor(callerOf(request), request.query.approver);
      return {
        approvals: await withTemporal(options.client, deadlineMs, () =>
          pendingApprovals(options.client, options.taskQueue, approver),
        ),
      };
    },
  );

  routes.post(
    '/v1/approvals/:requestId',
    {
      config: { invalidBody: 'invalid_decision' },
      onRequest: anyBearer,
      schema: {
        tags: ['Approvals'],
        operationId: 'decideApproval',
        summary: 'Decide an approval request (the `decide` update)',
        security: [{ bearer: [] }],
        params: z.object({ requestId: z.string().min(1).max(200) }),
        body: decisionBodySchema,
        response: {
          200: approvalRequestSchema,
          ...bearerErrors,
          404: notFound,
          409: refused.describe('this approver may not decide it, or it is already decided'),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const body = request.body;
      actingAs(caller, body.approver);
      const { requestId } = request.params;
      const outcome = await withTemporal(options.client, deadlineMs, () =>
        decide(options.client, { requestId, ...body, via: caller.via }),
      );
      const decided = settled(outcome, 'decision_refused');
      request.log.info(
        {
          requestId,
          approver: body.approver,
          approve: body.approve,
          status: decided.status,
          via: caller.via,
        },
        'approval decided',
      );
      return decided;
    },
  );
}
