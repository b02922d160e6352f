// Bodies are kept as the raw bytes until the route has authenticated the request: the HR webhook's
// signature is over those exact bytes, and nobody unauthenticated learns how their JSON parsed.
// Every content type is read as JSON, as the API always has.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error';
import { syncHook } from './sync-hook';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads `rawBody` itself (and calls parseJsonBody) after checking a signature over it. */
    rawBody?: boolean;
  }
}

export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook(
    'preValidation',
    syncHook((request) => {
      if (!request.routeOptions.config.rawBody) parseJsonBody(request);
    }),
  );
}

/** The bytes the client sent (empty when it sent none). */
export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * Replaces the raw body with its JSON value. No body at all reads as `{}`, as the API always has (a
 * retry without one retries everything; elsewhere the 400 then names each missing field).
 */
export function parseJsonBody(request: FastifyRequest): void {
  if (request.body === undefined || (Buffer.isBuffer(request.body) && request.body.length === 0)) {
    request.body = {};
    return;
  }
  if (!Buffer.isBuffer(request.body)) return;
  try {
    request.body = JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, { error: 'invalid_json', message: (error as Error).message });
  }
}
