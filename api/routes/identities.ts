// A person's status and an operator's retry and skip: operator acts, so the API token only.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { employeeIdSchema } from '../../domain/hr-event';
import { bearerAuth } from '../auth';
import { bearerErrors, notFound } from '../contract/errors';
import { identityStatusSchema } from '../contract/identity-status';
import { HttpError } from '../http-error';
import { OPTIONAL_BODY } from '../openapi-finish';
import { identityStatus } from '../intake';
import type { ApiOptions } from '../options';
import { retryApplications, retryBodySchema } from '../retry';
import { settled } from '../settled';
import { skipApplication, skipBodySchema } from '../skip';
import { withTemporal } from '../temporal-unavailable';

const params = z.object({ employeeId: employeeIdSchema });

export function identityRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const operatorsOnly = bearerAuth(options, { serviceOnly: true });

  routes.get(
    '/v1/identities/:employeeId',
    {
      config: { invalidParams: 'invalid_employee_id' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Identities'],
        operationId: 'getIdentityStatus',
        summary: "A person's lifecycle status",
        security: [{ bearer: [] }],
        params,
        response: { 200: identityStatusSchema, ...bearerErrors, 404: notFound },
      },
    },
    async (request) => {
      const { employeeId } = request.params;
      const status = await withTemporal(options.client, deadlineMs, () =>
        identityStatus(options.client, employeeId),
      );
      if (!status) {
        throw new HttpError(404, { error: 'not_found', message: `no identity workflow for ${employeeId}` });
      }
      return status;
    },
  );

  routes.post(
    '/v1/identities/:employeeId/retry',
    {
      config: { invalidParams: 'invalid_employee_id', invalidBody: 'invalid_retry' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Identities'],
        operationId: 'retryIdentity',
        summary: "Try the person's failing applications (or one) again now",
        description: 'Sends the workflow its `retry` signal. No body: every failing application.',
        [OPTIONAL_BODY]: true,
        security: [{ bearer: [] }],
        params,
        body: retryBodySchema,
        response: {
          202: z.object({
            workflowId: z.string(),
            employeeId: z.string(),
            appId: z.string().optional(),
            retrying: z
              .array(z.string())
              .describe('the applications failing when the signal was sent; empty: nothing to retry'),
          }),
          ...bearerErrors,
          404: notFound,
        },
      },
    },
    async (request, reply) => {
      const { employeeId } = request.params;
      const body = request.body;
      const outcome = await withTemporal(options.client, deadlineMs, () =>
        retryApplications(options.client, employeeId, body),
      );
      const accepted = settled(outcome, 'retry_refused');
      request.log.info({ employeeId, appId: body.appId, retrying: accepted.retrying }, 'retry requested');
      return reply.code(202).send(accepted);
    },
  );

  routes.post(
    '/v1/identities/:employeeId/skip',
    {
      config: { invalidParams: 'invalid_employee_id', invalidBody: 'invalid_skip' },
      onRequest: operatorsOnly,
      schema: {
        tags: ['Identities'],
        operationId: 'skipApplication',
        summary: "Set one of a leaver's applications aside, with a justification",
        description:
          'Sends the workflow its `skipApp` update. The leaver finishes with the application `skipped` ' +
          '(never verified, shown on the certificate), the skip is on the evidence record at once, and a ' +
          'follow-up retries the application until it is read back clean.',
        security: [{ bearer: [] }],
        params,
        body: skipBodySchema,
        response: {
          200: z.object({
            appId: z.string(),
            reason: z.string(),
            by: z.string(),
            via: z.string(),
            at: z.string().describe('when the workflow took the skip'),
          }),
          ...bearerErrors,
          404: notFound,
          409: z
            .object({ error: z.literal('skip_refused'), message: z.string() })
            .describe('the skip cannot be taken now, and why (no leaver running, already verified, ...)'),
        },
      },
    },
    async (request) => {
      const { employeeId } = request.params;
      const outcome = await withTemporal(options.client, deadlineMs, () =>
        skipApplication(options.client, employeeId, request.body),
      );
      const decision = settled(outcome, 'skip_refused');
      request.log.warn({ employeeId, appId: decision.appId }, 'leaver application skipped by an operator');
      return decision;
    },
  );
}
