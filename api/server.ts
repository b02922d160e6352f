// The HTTP API: HR webhook intake (HMAC-signed) and person status (bearer token). Every request is
// authenticated; bodies are size-limited; every validation problem is reported with its field path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { describeIssues, employeeIdSchema, hrEventSchema } from '../domain/hr-event';
import type { Logger } from '../common/logger';
import { decide, decisionBodySchema, pendingApprovals } from './approvals';
import { identityStatus, submitHrEvent } from './intake';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type { IdentitySettings } from '../workflows/messages';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  settings: IdentitySettings;
  hrWebhookSecret: string;
  apiToken: string;
  maxBodyBytes: number;
  signatureToleranceMs: number;
  logger: Logger;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

export function createApiServer(options: ApiOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return send(res, error.status, error.body);
      options.logger.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed');
      send(res, 500, {
        error: 'internal_error',
        message: 'the request could not be processed; see the server log',
      });
    });
  });
}

async function handle(options: ApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req);
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true });
  if (path === '/v1/hr/events') {
    if (req.method !== 'POST') throw new HttpError(405, { error: 'method_not_allowed', allow: 'POST' });
    return receiveHrEvent(options, req, res);
  }
  const identity = /^\/v1\/identities\/([^/]+)$/.exec(path);
  if (identity) {
    if (req.method !== 'GET') throw new HttpError(405, { error: 'method_not_allowed', allow: 'GET' });
    requireBearer(options, req);
    return getIdentity(options, decodeURIComponent(identity[1]!), res);
  }
  if (path === '/v1/approvals') {
    if (req.method !== 'GET') throw new HttpError(405, { error: 'method_not_allowed', allow: 'GET' });
    requireBearer(options, req);
    const approver = new URL(req.url ?? '/', 'http://localhost').searchParams.get('approver') ?? undefined;
    return send(res, 200, { approvals: await pendingApprovals(options.client, approver) });
  }
  const approval = /^\/v1\/approvals\/([^/]+)$/.exec(path);
  if (approval) {
    if (req.method !== 'POST') throw new HttpError(405, { error: 'method_not_allowed', allow: 'POST' });
    requireBearer(options, req);
    return decideApproval(options, decodeURIComponent(approval[1]!), req, res);
  }
  throw new HttpError(404, { error: 'not_found' });
}

async function decideApproval(
  options: ApiOptions,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const body = await readBody(req, options.maxBodyBytes);
  const json = parseJson(body);
  const parsed = decisionBodySchema.safeParse(json);
  if (!parsed.success)
    throw new HttpError(400, { error: 'invalid_decision', problems: describeIssues(parsed.error) });
  const outcome = await decide(options.client, { requestId, ...parsed.data });
  if (!outcome.ok) {
    throw new HttpError(outcome.status, {
      error: outcome.status === 404 ? 'not_found' : 'decision_refused',
      message: outcome.message,
    });
  }
  options.logger.info(
    {
      requestId,
      approver: parsed.data.approver,
      approve: parsed.data.approve,
      status: outcome.request.status,
    },
    'approval decided',
  );
  send(res, 200, outcome.request);
}

async function receiveHrEvent(options: ApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, options.maxBodyBytes);
  const check = verifySignature(
    header(req, SIGNATURE_HEADER),
    body,
    options.hrWebhookSecret,
    options.signatureToleranceMs,
  );
  if (!check.ok) throw new HttpError(401, { error: 'unauthorized', message: check.reason });
  const json = parseJson(body);
  const parsed = hrEventSchema.safeParse(json);
  if (!parsed.success)
    throw new HttpError(400, { error: 'invalid_event', problems: describeIssues(parsed.error) });
  const event = parsed.data;
  const result = await submitHrEvent(options, event);
  options.logger.info(
    {
      eventId: event.eventId,
      type: event.type,
      employeeId: event.employee.id,
      source: event.source,
      ...result,
    },
    'HR event received',
  );
  send(res, 202, { ...result, eventId: event.eventId });
}

async function getIdentity(options: ApiOptions, employeeId: string, res: ServerResponse): Promise<void> {
  const id = employeeIdSchema.safeParse(employeeId);
  if (!id.success)
    throw new HttpError(400, { error: 'invalid_employee_id', problems: describeIssues(id.error) });
  const status = await identityStatus(options.client, id.data);
  if (!status)
    throw new HttpError(404, { error: 'not_found', message: `no identity workflow for ${id.data}` });
  send(res, 200, status);
}

function requireBearer(options: ApiOptions, req: IncomingMessage): void {
  const given = /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(options.apiToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, { error: 'unauthorized', message: 'a valid bearer token is required' });
  }
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, { error: 'invalid_json', message: (error as Error).message });
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, { error: 'payload_too_large', message: `body exceeds ${maxBytes} bytes` });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
