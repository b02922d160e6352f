// Cross-origin access for the Temporal UI: its web app calls the codec server from the browser, so the
// server must answer the preflight (OPTIONS) and name the UI's origin. Only the configured origins are
// let in; a request from any other page in the browser is refused before it is read.
import type { FastifyInstance } from 'fastify';

/** What the UI sends: content-type and x-namespace always, authorization (+ extras) when told to pass its token. */
const ALLOWED_HEADERS = 'Authorization, Authorization-Extras, Content-Type, X-Namespace';

export function allowOrigins(app: FastifyInstance, origins: readonly string[]): void {
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!allowed.has(origin)) {
      return reply.code(403).send({
        error: 'origin_not_allowed',
        message: `pages from ${origin} may not call this codec server (allowed: ${[...allowed].join(', ') || 'none'})`,
      });
    }
    // Credentials allowed: a UI set to "include cross-origin credentials" must still be answered.
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');
  });
  // The preflight carries no credentials by the rules of CORS, so it is answered without any.
  app.options('*', async (request, reply) => {
    void reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', ALLOWED_HEADERS);
    void reply.header('access-control-max-age', '600');
    // Chrome's Private Network Access: a UI on a public address calling a codec server on this one.
    if (request.headers['access-control-request-private-network'] === 'true') {
      void reply.header('access-control-allow-private-network', 'true');
    }
    return reply.code(204).send();
  });
}
