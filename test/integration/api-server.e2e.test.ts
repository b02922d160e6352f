// What the API gives besides its routes, against the real service on the shared Temporal server:
// the OpenAPI document and docs page without a token, a request id in every answer and log line,
// readiness once the worker polls, 405 with Allow; and, on the API alone, the per-client connection
// cap and the header timeout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { startStandaloneApi, type StandaloneApi } from '../support/standalone-api';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { openTestEvidenceStore } from '../support/evidence';

const API_TOKEN = 'test-api-token';
const logLines: Record<string, unknown>[] = [];
let service: RunningService;
let limited: StandaloneApi;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded: buildConfig({ applications: [{ id: 'badge', kind: 'manual', fulfillers: ['F1'] }], roles: [] }),
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `api-server-${Date.now()}` },
    logger: pino({ level: 'info' }, sink),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  limited = await startStandaloneApi('127.0.0.1:1', { maxConnectionsPerClient: 2, headersTimeoutMs: 1000 });
});

after(async () => {
  await service?.stop();
  await limited?.stop();
});

void test('the OpenAPI document and the docs page need no token, and the document is the committed one', async () => {
  const document = await fetch(`${service.apiUrl}/openapi.json`);
  assert.equal(document.status, 200);
  const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as unknown;
  assert.deepEqual(await document.json(), committed);
  const docs = await fetch(`${service.apiUrl}/docs`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger-ui/i);
});

void test("every answer carries a request id, the caller's own when sane, and the log lines carry it too", async () => {
  const answers = await Promise.all([
    fetch(`${service.apiUrl}/healthz`),
    fetch(`${service.apiUrl}/v1/identities/E1`),
    fetch(`${service.apiUrl}/nowhere`),
    fetch(`${service.apiUrl}/v1/hr/events`),
  ]);
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 401, 404, 405],
  );
  const ids = answers.map((a) => a.headers.get('x-request-id'));
  for (const id of ids) assert.match(id ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(new Set(ids).size, ids.length, 'one id per request');

  const mine = await fetch(`${service.apiUrl}/v1/identities/E1`, {
    headers: { authorization: `Bearer ${API_TOKEN}`, 'x-request-id': 'hr-system-42' },
  });
  assert.equal(mine.headers.get('x-request-id'), 'hr-system-42');
  const forged = await fetch(`${service.apiUrl}/healthz`, { headers: { 'x-request-id': 'a b\tc' } });
  assert.notEqual(forged.headers.get('x-request-id'), 'a b\tc');
  const lines = await eventually('the request to be logged', () => {
    const found = logLines.filter((l) => l.reqId === 'hr-system-42');
    return Promise.resolve(found.some((l) => l.msg === 'request completed') && found);
  });
  assert.ok(lines.some((l) => l.msg === 'incoming request'));
});

void test('/readyz is 200 once Temporal answers and the worker polls the task queue', async () => {
  const readiness = await eventually('readiness', async () => {
    const response = await fetch(`${service.apiUrl}/readyz`);
    return response.status === 200 && ((await response.json()) as Record<string, unknown>);
  });
  assert.equal(readiness.temporal, 'reachable');
  assert.equal(readiness.worker, 'running');
  assert.ok((readiness.pollers as number) >= 1);
});

void test('a known path asked with another method is 405 with Allow, before authentication', async () => {
  const response = await fetch(`${service.apiUrl}/v1/approvals`, { method: 'DELETE' });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'GET');
  assert.deepEqual(await response.json(), { error: 'method_not_allowed', allow: 'GET' });
  // QUERY without a Content-Type would be refused with 400 before routing, unless answered on arrival.
  const query = await fetch(`${service.apiUrl}/v1/tasks`, { method: 'QUERY' });
  assert.equal(query.status, 405);
});

void test('over-long ids, a null body and malformed URLs get the API answer shape, never a bare framework error', async () => {
  const auth = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
  const decision = JSON.stringify({ approve: true, approver: 'M1' });
  const long = await fetch(`${service.apiUrl}/v1/approvals/${'a'.repeat(201)}`, {
    method: 'POST',
    headers: auth,
    body: decision,
  });
  assert.equal(long.status, 400);
  assert.deepEqual(
    ((await long.json()) as { problems: { path: string }[] }).problems.map((p) => p.path),
    ['requestId'],
  );
  const tooLong = await fetch(`${service.apiUrl}/v1/approvals/${'a'.repeat(1001)}`, {
    method: 'POST',
    headers: auth,
    body: decision,
  });
  assert.equal(tooLong.status, 414);
  assert.equal(((await tooLong.json()) as { error: string }).error, 'uri_too_long');
  assert.ok(tooLong.headers.get('x-request-id'));
  const nullBody = await fetch(`${service.apiUrl}/v1/identities/E1/retry`, {
    method: 'POST',
    headers: auth,
    body: 'null',
  });
  assert.equal(nullBody.status, 400);
  assert.equal(((await nullBody.json()) as { error: string }).error, 'invalid_retry');
  const badUrl = await fetch(`${service.apiUrl}/v1/identities/%E0%A4%A`, { headers: auth });
  assert.equal(badUrl.status, 400);
  assert.equal(((await badUrl.json()) as { error: string }).error, 'bad_request');
});

function open(port: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1', () => done(socket));
    socket.once('error', fail);
  });
}

function firstAnswer(socket: Socket): Promise<string> {
  return new Promise((done) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.once('close', () => done(text));
  });
}

void test('one client holds at most the configured number of connections; the next is told 429 and closed', async () => {
  const held = [await open(limited.port), await open(limited.port)];
  const third = await open(limited.port);
  const answer = await firstAnswer(third);
  assert.match(answer, /^HTTP\/1\.1 429 Too Many Requests/);
  assert.match(answer, /Retry-After: 1/);
  held[0]!.destroy();
  await eventually('a freed slot', async () => {
    const again = await open(limited.port);
    again.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    return (await firstAnswer(again)).startsWith('HTTP/1.1 200');
  });
  for (const socket of held) socket.destroy();
});

void test('a client that never finishes its headers is cut off after the header timeout', async () => {
  const socket = await open(limited.port);
  const started = Date.now();
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const answer = await firstAnswer(socket);
  const took = Date.now() - started;
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.ok(took >= 900 && took < 4000, `closed after ${took} ms`);
});
