// A known path asked with a method it does not take answers 405 with `Allow` (not 404), before any
// authentication, as the API always has. These answers stay out of the OpenAPI document.
import type { FastifyInstance, HTTPMethods } from 'fastify';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'];

export function onlyMethods(app: FastifyInstance, url: string, allowed: HTTPMethods[]): void {
  // GET answers HEAD too.
  const taken = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  const allow = allowed.join(', ');
  app.route({
    method: METHODS.filter((m) => !taken.includes(m)),
    url,
    schema: { hide: true },
    // Answered on arrival (a hook that sends and never calls `done` ends the request): Fastify would
    // otherwise refuse a QUERY without Content-Type first, with 400.
    onRequest: (_request, reply) => {
      void reply.code(405).header('allow', allow).send({ error: 'method_not_allowed', allow });
    },
    handler: () => undefined,
  });
}
