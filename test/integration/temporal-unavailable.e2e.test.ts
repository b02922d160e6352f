// While Temporal cannot be reached, every route that needs it answers 503 with Retry-After within its
// deadline (never 500, never the client's own ~20 s of retrying), and /readyz says not ready; both
// for a refused connection and for a server that accepts but never answers. And while Temporal is
// there but no worker polls the task queue, a route that must query a workflow answers 503 too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { signPayload } from '../../api/signature';
import { employee, hrEvent } from '../support/people';
import { API_TOKEN, HR_SECRET, startStandaloneApi, type StandaloneApi } from '../support/standalone-api';
import { temporalAddress } from '../support/temporal';

const DEADLINE_MS = 1500;
let refused: StandaloneApi;
let silent: StandaloneApi;
let workerless: StandaloneApi;
let blackHole: Server;
const held: Socket[] = [];

before(async () => {
  // A port nothing listens on: connections are refused.
  const free = createServer();
  await new Promise<void>((done) => free.listen(0, '127.0.0.1', done));
  const deadPort = (free.address() as { port: number }).port;
  await new Promise<void>((done) => free.close(() => done()));
  // A server that takes the connection and never says a word.
  blackHole = createServer((socket) => held.push(socket));
  await new Promise<void>((done) => blackHole.listen(0, '127.0.0.1', done));
  const silentPort = (blackHole.address() as { port: number }).port;
  refused = await startStandaloneApi(`127.0.0.1:${deadPort}`, { temporalDeadlineMs: DEADLINE_MS });
  // The real Temporal server, but no worker on the standalone API's task queue.
  workerless = await startStandaloneApi(temporalAddress(), { temporalDeadlineMs: DEADLINE_MS });
  silent = await startStandaloneApi(`127.0.0.1:${silentPort}`, {
    temporalDeadlineMs: DEADLINE_MS,
    readinessDeadlineMs: DEADLINE_MS,
  });
});

after(async () => {
  await refused?.stop();
  await silent?.stop();
  await workerless?.stop();
  for (const socket of held) socket.destroy();
  await new Promise<void>((done) => blackHole?.close(() => done()));
});

function requests(): [string, RequestInit][] {
  const bearer = { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' };
  const body = JSON.stringify(hrEvent('hire', employee()));
  return [
    [
      '/v1/hr/events',
      {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, HR_SECRET) },
      },
    ],
    ['/v1/identities/E1001', { headers: bearer }],
    ['/v1/identities/E1001/retry', { method: 'POST', headers: bearer }],
    ['/v1/approvals', { headers: bearer }],
    [
      '/v1/approvals/apr-0000abcd-1-E1001',
      { method: 'POST', headers: bearer, body: JSON.stringify({ approve: true, approver: 'M1' }) },
    ],
    ['/v1/tasks', { headers: bearer }],
    [
      '/v1/tasks/task-0000abcd-1-E1001',
      { method: 'POST', headers: bearer, body: JSON.stringify({ by: 'F1' }) },
    ],
  ];
}

for (const [name, api] of [
  ['refused', () => refused],
  ['silent', () => silent],
] as const) {
  void test(`every Temporal route answers 503 with Retry-After within its deadline (${name} Temporal)`, async () => {
    // All at once: each is bounded by its own deadline.
    await Promise.all(
      requests().map(async ([path, init]) => {
        const started = Date.now();
        const response = await fetch(`${api().url}${path}`, init);
        const took = Date.now() - started;
        const answer = (await response.json()) as { error: string; message: string };
        assert.equal(response.status, 503, `${path}: ${JSON.stringify(answer)}`);
        assert.equal(response.headers.get('retry-after'), '5', path);
        assert.equal(answer.error, 'temporal_unavailable', path);
        assert.match(answer.message, /Temporal did not answer within 1\.5 s/, path);
        assert.ok(took < DEADLINE_MS + 2000, `${path} answered after ${took} ms`);
      }),
    );
  });
}

void test('authentication and validation still answer at once while Temporal is down', async () => {
  const unsigned = await fetch(`${refused.url}/v1/hr/events`, { method: 'POST', body: '{}' });
  assert.equal(unsigned.status, 401);
  const invalid = await fetch(`${refused.url}/v1/identities/not%20an%20id`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  assert.equal(invalid.status, 400);
  assert.equal((await fetch(`${refused.url}/healthz`)).status, 200, 'alive, if not ready');
});

void test('with no worker polling, a query answers 503 and /readyz says why', async () => {
  const person = employee();
  const body = JSON.stringify(hrEvent('hire', person));
  const accepted = await fetch(`${workerless.url}/v1/hr/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, HR_SECRET) },
  });
  assert.equal(accepted.status, 202, 'starting a workflow needs no worker');
  const status = await fetch(`${workerless.url}/v1/identities/${person.id}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  const answer = (await status.json()) as { error: string; message: string };
  assert.equal(status.status, 503, JSON.stringify(answer));
  assert.equal(status.headers.get('retry-after'), '5');
  // Temporal refuses at once when the queue's worker is long gone, and holds the query until the
  // deadline when it never had one: both are a 503 to retry.
  assert.ok(['worker_unavailable', 'temporal_unavailable'].includes(answer.error), answer.error);
  const readiness = await fetch(`${workerless.url}/readyz`);
  assert.equal(readiness.status, 503);
  const ready = (await readiness.json()) as { temporal: string; pollers: number; problem: string };
  assert.deepEqual([ready.temporal, ready.pollers], ['reachable', 0]);
  assert.match(ready.problem, /no worker polls task queue "standalone-/);
});

void test('/readyz is 503 and names the problem while Temporal is down', async () => {
  await Promise.all(
    [refused, silent].map(async (api) => {
      const started = Date.now();
      const response = await fetch(`${api.url}/readyz`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      const readiness = (await response.json()) as { ready: boolean; temporal: string; problem: string };
      assert.deepEqual([readiness.ready, readiness.temporal], [false, 'unreachable']);
      assert.match(readiness.problem, /Temporal did not answer/);
      assert.ok(Date.now() - started < 5000);
    }),
  );
});
