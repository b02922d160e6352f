// The OpenAPI 3.1 document, generated from the routes' zod schemas, served at /openapi.json (no
// token: it describes the contract and holds no secret) with a docs page at /docs.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { version } from '../package.json';
import { finishDocument } from './openapi-finish';

export const DOCS_PATH = '/docs';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'jml',
        version,
        description:
          'Identity lifecycle automation on Temporal: HR events in, status, retries, approvals and manual tasks, ' +
          'and evidence for auditors (period exports, revocation certificates) from the evidence store. ' +
          'Every answer carries `x-request-id`. A 503 with `Retry-After` means Temporal (for evidence: the ' +
          'evidence store) is unreachable: send the same request again later.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'The API token, or a personal token (`jmlp.…`) that acts only as its holder.',
          },
          metricsBearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'The metrics token (`http.metricsToken`) or the API token; personal tokens are refused.',
          },
          hrSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-JML-Signature',
            description:
              '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the webhook secret>`',
          },
        },
      },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (document) => finishDocument(jsonSchemaTransformObject(document)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PATH });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
