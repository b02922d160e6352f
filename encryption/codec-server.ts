// The codec server (Temporal's codec-server protocol): POST <endpoint>/decode and <endpoint>/encode
// run payloads through jml's payload codec, so that the Temporal UI and CLI can show what the history
// holds encrypted. Reading personal data is a privilege: every request carries the codec token, as a
// bearer token (`temporal … --codec-auth "Bearer <token>"`), or as the endpoint's first path segment
// (`<base>/<token>/decode`), for the Temporal UI, which can attach no header of its own on a dev server.
// Browsers may call it only from the Temporal UI origins it is given (cors.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import type { Logger } from '../common/logger';
import { describeIssues } from '../domain/hr-event';
import type { CodecServerSettings } from './codec-server-settings';
import { allowOrigins } from './cors';
import { EncryptionCodec } from './encryption-codec';
import { payloadFromJson, payloadsBodySchema, payloadToJson } from './payload-json';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The codec token: whoever presents it can read every payload the keys can decrypt. */
  token: string;
  /** Origins of the Temporal UIs whose pages may call it from a browser (`http://localhost:8233`). */
  allowedOrigins: readonly string[];
  logger: Logger;
  /** Largest request body. Default 8 MiB (Temporal refuses payloads over 2 MiB; the UI sends several). */
  maxBodyBytes?: number;
}

type Operation = 'encode' | 'decode';
type Via = 'bearer token' | 'endpoint path';

class CodecRefusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly problems?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Which way the request proved it holds the token; refuses it otherwise. */
function authenticate(request: FastifyRequest, expected: Buffer): Via {
  const matches = (given: string | undefined) =>
    given !== undefined && timingSafeEqual(digest(given), expected);
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (matches(bearer)) return 'bearer token';
  if (matches((request.params as { access?: string }).access)) return 'endpoint path';
  throw new CodecRefusal(
    401,
    'unauthorized',
    'the codec token is required: Authorization: Bearer <token>, or the endpoint <base>/<token>',
  );
}

export async function createCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const expected = digest(options.token);
  const app: FastifyInstance = Fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: options.logger,
    bodyLimit: options.maxBodyBytes ?? 8 * 1024 * 1024,
    // Fastify's own request lines would carry the URL, and with it a token in the path; onResponse logs instead.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
  });
  allowOrigins(app, options.allowedOrigins);

  const served = new WeakMap<FastifyRequest, { operation: Operation; via?: Via; payloads?: number }>();
  // Authenticated before the body is read, so that no one without the token gets it parsed.
  const authenticated =
    (operation: Operation) =>
    (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      served.set(request, { operation }); // logged even when refused
      try {
        served.set(request, { operation, via: authenticate(request, expected) });
        done();
      } catch (error) {
        done(error as Error);
      }
    };
  const run = (operation: Operation) => async (request: FastifyRequest) => {
    const parsed = payloadsBodySchema.safeParse(request.body);
    if (!parsed.success) {
      throw new CodecRefusal(
        400,
        'invalid_request',
        'the body must be {"payloads": [...]}',
        describeIssues(parsed.error),
      );
    }
    const given = parsed.data.payloads.map(payloadFromJson);
    served.set(request, { ...served.get(request)!, payloads: given.length });
    try {
      const result = await (operation === 'decode'
        ? options.codec.decode(given)
        : options.codec.encode(given));
      return { payloads: result.map(payloadToJson) };
    } catch (error) {
      // The protocol's answer to a codec error; the message names the key id, never the data.
      throw new CodecRefusal(400, `cannot_${operation}`, (error as Error).message);
    }
  };
  for (const operation of ['encode', 'decode'] as const) {
    app.post(`/${operation}`, { onRequest: authenticated(operation) }, run(operation));
    app.post(`/:access/${operation}`, { onRequest: authenticated(operation) }, run(operation));
  }

  app.addHook('onResponse', async (request, reply) => {
    // An audit line per request: who could read (how the token came), from where, how much; no URL, no
    // data. The UI asks once per payload, again on each refresh: answered requests log at debug level.
    const level = reply.statusCode < 400 ? 'debug' : 'warn';
    request.log[level](
      {
        ...served.get(request),
        status: reply.statusCode,
        namespace: request.headers['x-namespace'],
        origin: request.headers.origin,
        remote: request.ip,
        ms: Math.round(reply.elapsedTime),
      },
      'codec request',
    );
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof CodecRefusal) {
      if (error.status === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(error.status).send({
        error: error.error,
        message: error.message,
        ...(error.problems && { problems: error.problems }),
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'codec request failed');
    return reply.code(status).send({
      error: status >= 500 ? 'internal' : 'bad_request',
      message: status >= 500 ? 'internal error' : error.message,
    });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));
  await app.ready();
  return app;
}

export interface RunningCodecServer {
  /** Where it listens (no token): for logs. */
  url: string;
  /** The endpoint with the token in its path, for a Temporal UI (`--ui-codec-endpoint`). A secret. */
  endpoint: string;
  stop: () => Promise<void>;
}

/** Listens where the settings say, decoding with their keys; logs where (never the token). */
export async function startCodecServer(
  settings: CodecServerSettings,
  logger: Logger,
): Promise<RunningCodecServer> {
  const app = await createCodecServer({ ...settings, codec: new EncryptionCodec(settings.keys), logger });
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `cannot start the codec server on ${settings.host}:${settings.port}: ${code} (JML_CODEC_HOST, JML_CODEC_PORT move it)`,
    );
  }
  const { port } = app.server.address() as AddressInfo;
  // A server on every interface is reached from this machine's browser through loopback.
  const host = ['0.0.0.0', '::'].includes(settings.host) ? '127.0.0.1' : settings.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    { url, allowedOrigins: settings.allowedOrigins, payloadKeyId: settings.keys.writeKeyId },
    'codec server running: a Temporal UI decodes through <url>/<JML_CODEC_TOKEN>',
  );
  return { url, endpoint: `${url}/${settings.token}`, stop: () => app.close() };
}
