// The mass-termination guard: what it holds (GET /v1/guard) and a guard approver's decision on it
// (POST /v1/guard/decisions, the `decideHeld` update). API token, or a personal token acting as its holder.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { guardDecisionBodySchema, terminationGuardWorkflowId } from '../../domain/termination-guard';
import { actingAs, bearerAuth, callerOf } from '../auth';
import { bearerErrors, notFound, refused } from '../contract/errors';
import type { ApiOptions } from '../options';
import { settled } from '../settled';
import { withTemporal } from '../temporal-unavailable';
import { decideHeld, guardStatus } from '../termination-guard';

const decisionSchema = z
  .object({
    approve: z.boolean().describe('true: released to the leavers; false: dropped, nothing removed'),
    approver: z.string(),
    via: z.string().describe('how the decision was authenticated: `API token`, `personal token`, `temporal`'),
    decidedAt: z.string(),
    reason: z.string().optional(),
    employeeIds: z.array(z.string()).describe('whose held terminations it released or dropped'),
  })
  .meta({ id: 'GuardDecision' });

const guardSchema = z
  .object({
    enabled: z
      .boolean()
      .describe('whether this service admits terminations through the guard (guard.enabled)'),
    running: z.boolean().describe('whether the guard workflow runs (it ends after an idle hour)'),
    workflowId: z.string(),
    limit: z.number().int().describe('terminations per sliding hour before the rest is held'),
    admittedInWindow: z.number().int().describe('terminations admitted in the last hour (urgent ones too)'),
    windowFreesAt: z.string().optional().describe('when the oldest of them leaves the hour'),
    approvers: z.array(z.string()),
    held: z.array(
      z.object({
        holdId: z.string(),
        employeeId: z.string(),
        eventId: z.string(),
        heldAt: z.string(),
        effectiveAt: z.string().optional(),
      }),
    ),
    releasing: z.number().int().describe('released terminations not yet handed to their workflows'),
    decisions: z.array(decisionSchema).describe('the latest decisions carried out, newest last'),
    rejectedDecisions: z.array(z.object({ approver: z.string(), at: z.string(), why: z.string() })),
  })
  .meta({ id: 'TerminationGuard' });

export function guardRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const anyBearer = bearerAuth(options);

  routes.get(
    '/v1/guard',
    {
      onRequest: anyBearer,
      schema: {
        tags: ['Approvals'],
        operationId: 'getTerminationGuard',
        summary: 'The mass-termination guard: the terminations it holds and who may decide them',
        security: [{ bearer: [] }],
        response: { 200: guardSchema, ...bearerErrors },
      },
    },
    async () => {
      const status = await withTemporal(options.client, deadlineMs, () =>
        guardStatus(options.client, options.taskQueue),
      );
      const enabled = options.guard !== undefined;
      if (status) {
        const { settings, workforce: _, ...rest } = status;
        return { enabled, running: true, approvers: settings.approvers, ...rest };
      }
      return {
        enabled,
        running: false,
        workflowId: terminationGuardWorkflowId(options.taskQueue),
        limit: options.guard?.maxTerminationsPerHour ?? 0,
        admittedInWindow: 0,
        approvers: options.guard?.approvers ?? [],
        held: [],
        releasing: 0,
        decisions: [],
        rejectedDecisions: [],
      };
    },
  );

  routes.post(
    '/v1/guard/decisions',
    {
      config: { invalidBody: 'invalid_decision' },
      onRequest: anyBearer,
      schema: {
        tags: ['Approvals'],
        operationId: 'decideHeldTerminations',
        summary: 'Release or drop held terminations (the `decideHeld` update)',
        description:
          'A guard approver (`guard.approvers`) releases (`approve: true`) or drops every held termination, ' +
          'or only those of `employeeIds`. An approver may not decide on their own termination.',
        security: [{ bearer: [] }],
        body: guardDecisionBodySchema,
        response: {
          200: decisionSchema.extend({ held: z.number().int().describe('terminations still held') }),
          ...bearerErrors,
          404: notFound.describe('the guard is not running: nothing is held'),
          409: refused.describe('not a guard approver, their own termination, or not held'),
        },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const body = request.body;
      actingAs(caller, body.approver);
      const outcome = await withTemporal(options.client, deadlineMs, () =>
        decideHeld(options.client, options.taskQueue, options.guard, { ...body, via: caller.via }),
      );
      const decided = settled(outcome, 'decision_refused');
      request.log.warn(
        {
          approver: body.approver,
          approve: body.approve,
          terminations: decided.employeeIds.length,
          held: decided.held,
          via: caller.via,
        },
        `ALERT mass-termination guard: ${body.approver} ${body.approve ? 'released' : 'dropped'} ${decided.employeeIds.length} held termination(s)`,
      );
      return decided;
    },
  );
}
