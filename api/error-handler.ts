// One place that turns every failure into the API's answer shape: routes' own refusals, validation
// problems naming each field, 413, 503 + Retry-After while Temporal is unreachable, and 500 (logged)
// for anything else.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeIssues } from '../domain/hr-event';
import { HttpError } from './http-error';
import { REQUEST_ID_HEADER } from './request-id';
import { isTemporalUnavailable, temporalUnavailable } from './temporal-unavailable';
import { invalidErrorName, RequestValidationError } from './validation';

export function handleErrors(
  app: FastifyInstance,
  options: { maxBodyBytes: number; temporalDeadlineMs: number },
) {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const answer = answerFor(error, request.routeOptions.config, options, request.routeOptions.bodyLimit);
    if (answer.status === 503) request.log.warn({ err: error.message }, 'Temporal unavailable');
    else if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(answer.status).headers(answer.headers).type('application/json').send(answer.body);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));
}

/** Path parameters longer than this are refused by the router itself (414). */
export const MAX_PARAM_LENGTH = 1000;

/** Errors the router raises before any hook runs (a malformed URL, an over-long parameter). */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  void reply
    .code(status)
    .header(REQUEST_ID_HEADER, request.id)
    .send({ error: status === 414 ? 'uri_too_long' : 'bad_request', message: error.message });
}

function answerFor(
  error: FastifyError | HttpError,
  config: { invalidBody?: string; invalidParams?: string },
  options: { maxBodyBytes: number; temporalDeadlineMs: number },
  limit?: number,
): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof RequestValidationError) {
    const name = invalidErrorName(error.validationContext, config);
    return new HttpError(400, { error: name, problems: describeIssues(error.zodError) });
  }
  if (error.statusCode === 413) {
    // A route may take more than the default (POST /v1/hr/roster: http.maxRosterBytes).
    return new HttpError(413, {
      error: 'payload_too_large',
      message: `body exceeds ${limit ?? options.maxBodyBytes} bytes`,
    });
  }
  if (isTemporalUnavailable(error)) return temporalUnavailable(options.temporalDeadlineMs);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpError(error.statusCode, { error: 'bad_request', message: error.message });
  }
  return new HttpError(500, {
    error: 'internal_error',
    message: 'the request could not be processed; see the server log',
  });
}
