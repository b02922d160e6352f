// Fastify hooks are callback- or promise-shaped; these checks are synchronous and refuse by throwing,
// so they are run inside a promise whose rejection is the refusal.
import type { FastifyReply, FastifyRequest } from 'fastify';

export function syncHook(check: (request: FastifyRequest, reply: FastifyReply) => void) {
  return (request: FastifyRequest, reply: FastifyReply): Promise<void> =>
    new Promise((resolve) => {
      check(request, reply);
      resolve();
    });
}
