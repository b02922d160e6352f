// The HTTP API: HR webhook intake (HMAC-signed); person status and retry, approvals and manual tasks
// (bearer token: the API token, or a personal token that lets its holder act only as themselves). Every
// request is authenticated; bodies are size-limited; every validation problem names its field.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import { describeIssues, employeeIdSchema, hrEventSchema } from '../domain/hr-event';
import type { Logger } from '../common/logger';
import { decide, decisionBodySchema, pendingApprovals } from './approvals';
import type { UpdateOutcome } from './identity-messages';
import { identityStatus, submitHrEvent } from './intake';
import { isPersonalToken, verifyPersonalToken } from './personal-token';
import { retryApplications, retryBodySchema } from './retry';
import { completeTask, completionBodySchema, openTasks } from './tasks';
import { SIGNATURE_HEADER, verifySignature } from './signature';
import type { IdentitySettings } from '../workflows/messages';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  settings: IdentitySettings;
  hrWebhookSecret: string;
  apiToken: string;
  /** Verifies personal tokens; without it only the API token is accepted. */
  personalTokenSecret?: string;
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
    allow(req, 'GET');
    serviceOnly(authenticate(options, req));
    return getIdentity(options, decodeURIComponent(identity[1]!), res);
  }
  const retry = /^\/v1\/identities\/([^/]+)\/retry$/.exec(path);
  if (retry) {
    allow(req, 'POST');
    serviceOnly(authenticate(options, req));
    const employeeId = validEmployeeId(decodeURIComponent(retry[1]!));
    const raw = await readBody(req, options.maxBodyBytes);
    // No body retries every failing application.
    const body = raw.length ? parseBody(retryBodySchema, raw, 'invalid_retry') : {};
    const accepted = settled(await retryApplications(options.client, employeeId, body), 'retry_refused');
    options.logger.info({ employeeId, appId: body.appId, retrying: accepted.retrying }, 'retry requested');
    return send(res, 202, accepted);
  }
  if (path === '/v1/approvals') {
    allow(req, 'GET');
    const approver = listedFor(authenticate(options, req), req, 'approver');
    return send(res, 200, { approvals: await pendingApprovals(options.client, approver) });
  }
  const approval = /^\/v1\/approvals\/([^/]+)$/.exec(path);
  if (approval) {
    allow(req, 'POST');
    const caller = authenticate(options, req);
    const body = parseBody(decisionBodySchema, await readBody(req, options.maxBodyBytes), 'invalid_decision');
    actingAs(caller, body.approver);
    const requestId = decodeURIComponent(approval[1]!);
    const outcome = await decide(options.client, { requestId, ...body, via: caller.via });
    const request = settled(outcome, 'decision_refused');
    options.logger.info(
      { requestId, approver: body.approver, approve: body.approve, status: request.status, via: caller.via },
      'approval decided',
    );
    return send(res, 200, request);
  }
  if (path === '/v1/tasks') {
    allow(req, 'GET');
    const assignee = listedFor(authenticate(options, req), req, 'assignee');
    return send(res, 200, { tasks: await openTasks(options.client, assignee) });
  }
  const task = /^\/v1\/tasks\/([^/]+)$/.exec(path);
  if (task) {
    allow(req, 'POST');
    const caller = authenticate(options, req);
    const body = parseBody(
      completionBodySchema,
      await readBody(req, options.maxBodyBytes),
      'invalid_completion',
    );
    actingAs(caller, body.by);
    const taskId = decodeURIComponent(task[1]!);
    const done = settled(
      await completeTask(options.client, { taskId, ...body, via: caller.via }),
      'completion_refused',
    );
    options.logger.info({ taskId, by: body.by, via: caller.via }, 'manual task attested');
    return send(res, 200, done);
  }
  throw new HttpError(404, { error: 'not_found' });
}

function allow(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, { error: 'method_not_allowed', allow: method });
}

function parseBody<T>(schema: z.ZodType<T>, body: Buffer, error: string): T {
  const parsed = schema.safeParse(parseJson(body));
  if (!parsed.success) throw new HttpError(400, { error, problems: describeIssues(parsed.error) });
  return parsed.data;
}

function settled<R>(outcome: UpdateOutcome<R>, refused: string): R {
  if (outcome.ok) return outcome.result;
  throw new HttpError(outcome.status, {
    error: outcome.status === 404 ? 'not_found' : refused,
    message: outcome.message,
  });
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
  const event = parseBody(hrEventSchema, body, 'invalid_event');
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

function validEmployeeId(employeeId: string): string {
  const id = employeeIdSchema.safeParse(employeeId);
  if (!id.success)
    throw new HttpError(400, { error: 'invalid_employee_id', problems: describeIssues(id.error) });
  return id.data;
}

async function getIdentity(options: ApiOptions, employeeId: string, res: ServerResponse): Promise<void> {
  const id = validEmployeeId(employeeId);
  const status = await identityStatus(options.client, id);
  if (!status) throw new HttpError(404, { error: 'not_found', message: `no identity workflow for ${id}` });
  send(res, 200, status);
}

/** Who is calling: the API token (a trusted integration or operator), or one person by their token. */
type Caller = { via: 'API token' } | { via: 'personal token'; employeeId: string };

function authenticate(options: ApiOptions, req: IncomingMessage): Caller {
  const given = /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '')?.[1] ?? '';
  if (isPersonalToken(given) && options.personalTokenSecret) {
    const check = verifyPersonalToken(given, options.personalTokenSecret);
    if (!check.ok) throw new HttpError(401, { error: 'unauthorized', message: check.reason });
    return { via: 'personal token', employeeId: check.employeeId };
  }
  const a = Buffer.from(given);
  const b = Buffer.from(options.apiToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new HttpError(401, { error: 'unauthorized', message: 'a valid bearer token is required' });
  }
  return { via: 'API token' };
}

function forbidden(message: string): HttpError {
  return new HttpError(403, { error: 'forbidden', message });
}

function serviceOnly(caller: Caller): void {
  if (caller.via === 'personal token') {
    throw forbidden("a personal token may only list and decide its holder's own approvals and tasks");
  }
}

/** A personal token acts only as its holder. */
function actingAs(caller: Caller, employeeId: string): void {
  if (caller.via === 'personal token' && caller.employeeId !== employeeId) {
    throw forbidden(`this personal token is ${caller.employeeId}'s; it cannot act as ${employeeId}`);
  }
}

/** The list filter: a personal token's holder sees what waits for them, whatever the query asks. */
function listedFor(caller: Caller, req: IncomingMessage, param: string): string | undefined {
  const asked = new URL(req.url ?? '/', 'http://localhost').searchParams.get(param) ?? undefined;
  if (caller.via === 'API token') return asked;
  actingAs(caller, asked ?? caller.employeeId);
  return caller.employeeId;
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
