// POST /v1/hr/events: one HR event, authenticated by its HMAC signature over the raw body, then
// validated and turned into a signal on the person's workflow.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { commonErrors, errorSchema } from '../contract/errors';
import { hrEventBody } from '../contract/hr-event-body';
import { intakeResultSchema } from '../contract/hr-event';
import { submitHrEvent } from '../intake';
import { hrSignatureHook } from '../hr-signature-hook';
import type { ApiOptions } from '../options';
import { withTemporal } from '../temporal-unavailable';

export function hrEventRoutes(app: FastifyInstance, options: ApiOptions, deadlineMs: number): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/hr/events',
    {
      config: { rawBody: true, invalidBody: 'invalid_event' },
      schema: {
        tags: ['HR events'],
        operationId: 'receiveHrEvent',
        summary: 'Receive one HR event',
        description:
          'Signed with `X-JML-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. ' +
          'Send again with the same eventId after a 503 or a network error: duplicates are ignored.',
        security: [{ hrSignature: [] }],
        body: hrEventBody,
        response: {
          202: intakeResultSchema,
          ...commonErrors,
          401: errorSchema.describe('missing, malformed, wrong or stale signature'),
        },
      },
      preValidation: hrSignatureHook(options),
    },
    async (request, reply) => {
      const event = request.body;
      const result = await withTemporal(options.client, deadlineMs, () => submitHrEvent(options, event));
      request.log.info(
        {
          eventId: event.eventId,
          type: event.type,
          employeeId: event.employee.id,
          source: event.source,
          ...result,
        },
        'HR event received',
      );
      return reply.code(202).send({ ...result, eventId: event.eventId });
    },
  );
}
