// The HTTP API on Fastify: HR webhook intake (HMAC-signed); person status and retry, approvals and
// manual tasks (bearer token: the API token, or a personal token that lets its holder act only as
// themselves); evidence exports and revocation certificates from the evidence store (API token);
// health, readiness and the OpenAPI document. Every route's body, query, parameters and
// answers are described once, with zod, and the document is generated from them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { limitConnectionsPerClient } from './connection-limit';
import { answerFrameworkError, handleErrors, MAX_PARAM_LENGTH } from './error-handler';
import { keepRawBodies } from './json-body';
import { onlyMethods } from './method-not-allowed';
import { registerOpenApi } from './openapi';
import { DEFAULT_LIMITS, type ApiOptions } from './options';
import { answerWithRequestId, requestIdOf } from './request-id';
import { approvalRoutes } from './routes/approvals';
import { evidenceRoutes } from './routes/evidence';
import { guardRoutes } from './routes/guard';
import { healthRoutes } from './routes/health';
import { hrEventRoutes } from './routes/hr-events';
import { identityRoutes } from './routes/identities';
import { metricsRoutes } from './routes/metrics';
import { reconciliationRoutes } from './routes/reconciliations';
import { rosterRoutes } from './routes/roster';
import { taskRoutes } from './routes/tasks';
import { zodValidatorCompiler } from './validation';

export type { ApiOptions } from './options';

/** The API, ready to listen (`app.listen`) or to be asked directly (`app.inject`, `app.swagger`). */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Typed with Fastify's own logger interface, so routes need not know it is pino.
  const app: FastifyInstance = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    // Each request logs through a child of this logger that carries its reqId.
    loggerInstance: options.logger,
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: options.maxBodyBytes,
    // Longer than any id the routes accept, so an over-long one is refused by validation (400).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Stopping the service should not wait for idle keep-alive clients.
    forceCloseConnections: 'idle',
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks both timeouts this often (default 30 s, which would stretch them by as much).
      connectionsCheckingInterval: 1000,
    },
  });
  limitConnectionsPerClient(app.server, limits.maxConnectionsPerClient);

  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  answerWithRequestId(app);
  keepRawBodies(app);
  handleErrors(app, { maxBodyBytes: options.maxBodyBytes, temporalDeadlineMs: limits.temporalDeadlineMs });
  await registerOpenApi(app);

  const deadline = limits.temporalDeadlineMs;
  healthRoutes(app, options, limits);
  hrEventRoutes(app, options, deadline);
  rosterRoutes(app, options, deadline);
  identityRoutes(app, options, deadline);
  approvalRoutes(app, options, deadline);
  guardRoutes(app, options, deadline);
  taskRoutes(app, options, deadline);
  evidenceRoutes(app, options);
  reconciliationRoutes(app, options, deadline);
  metricsRoutes(app, options, limits);
  for (const [url, methods] of [
    ['/healthz', ['GET']],
    ['/readyz', ['GET']],
    ['/v1/hr/events', ['POST']],
    ['/v1/hr/roster', ['POST']],
    ['/v1/identities/:employeeId', ['GET']],
    ['/v1/identities/:employeeId/retry', ['POST']],
    ['/v1/identities/:employeeId/skip', ['POST']],
    ['/v1/approvals', ['GET']],
    ['/v1/approvals/:requestId', ['POST']],
    ['/v1/tasks', ['GET']],
    ['/v1/tasks/:taskId', ['POST']],
    ['/v1/evidence', ['GET']],
    ['/v1/evidence/leavers/:employeeId', ['GET']],
    ['/v1/evidence/report', ['GET']],
    ['/v1/evidence/verify', ['GET']],
    ['/v1/guard', ['GET']],
    ['/v1/guard/decisions', ['POST']],
    ['/v1/reconciliations', ['POST']],
    ['/v1/reconciliations/:runId', ['GET']],
    ['/metrics', ['GET']],
  ] as const) {
    onlyMethods(app, url, [...methods]);
  }
  await app.ready();
  return app;
}
