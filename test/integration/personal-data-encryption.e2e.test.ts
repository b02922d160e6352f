// Personal data is ciphertext in Temporal: a hire and a termination for someone with a distinctive
// name and email, through the HTTP API, on a dev server whose Web UI is wired to jml's codec server
// (as `npm start` does). The raw history, read with a client that has no codec, holds neither the
// name, nor the email, nor the userName, and every payload names its key; the codec server turns the
// same payloads back into the person's data for whoever presents the codec token, and for no one else.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { signPayload } from '../../api/signature';
import type { IdentityStatus } from '../../domain/lifecycle';
import { startCodecServer, type RunningCodecServer } from '../../encryption/codec-server';
import { localUiOrigins } from '../../encryption/codec-server-settings';
import { ENCRYPTED_ENCODING, METADATA_KEY_ID } from '../../encryption/encryption-codec';
import { payloadKeysFromEnv } from '../../encryption/payload-keys';
import { payloadToJson } from '../../encryption/payload-json';
import { freePort } from '../../scripts/lib/ports';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startDevServer, type DevServer } from '../../scripts/lib/temporal-dev-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { TEST_PAYLOAD_ENV, TEST_PAYLOAD_KEY_ID } from '../support/encryption';
import { employee, hrEvent } from '../support/people';
import { workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { openTestEvidenceStore } from '../support/evidence';

const SCIM_TOKEN = 'encryption-scim-token';
const CODEC_TOKEN = `codec-${randomUUID()}`;
const quiet = pino({ level: 'silent' });
let scim: ScimServer;
let codec: RunningCodecServer;
let devServer: DevServer;
let service: RunningService;
let raw: Client;

before(async () => {
  scim = await startScimServer({ token: SCIM_TOKEN });
  await createScimGroups(scim, ['staff']);
  const uiPort = await freePort();
  codec = await startCodecServer(
    {
      token: CODEC_TOKEN,
      allowedOrigins: localUiOrigins(uiPort),
      host: '127.0.0.1',
      port: 0,
      keys: payloadKeysFromEnv(TEST_PAYLOAD_ENV),
    },
    quiet,
  );
  // The suite's shared server is headless: this file starts one with the Web UI, wired as npm start wires it.
  devServer = await startDevServer({ uiPort, codecEndpoint: codec.endpoint });
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded: buildConfig({
      secrets: { SCIM_TOKEN },
      applications: [
        {
          id: 'crm',
          kind: 'scim',
          baseUrl: scim.baseUrl,
          token: { env: 'SCIM_TOKEN' },
          deprovision: 'disable',
        },
      ],
      roles: [{ id: 'all', grants: { crm: ['staff'] } }],
    }),
    temporal: { address: devServer.address, namespace: 'default', taskQueue: `encryption-${randomUUID()}` },
    logger: quiet,
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  // No data converter: it sees what Temporal stores.
  raw = new Client({ connection: await Connection.connect({ address: devServer.address }) });
});

after(async () => {
  await service?.stop();
  await raw?.connection.close();
  await devServer?.stop();
  await codec?.stop();
  await scim?.stop();
});

async function send(event: ReturnType<typeof hrEvent>): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  assert.equal(response.status, 202, await response.text());
}

async function stageOf(employeeId: string): Promise<string | undefined> {
  const response = await fetch(`${service.apiUrl}/v1/identities/${employeeId}`, {
    headers: { authorization: 'Bearer test-api-token' },
  });
  return response.ok ? ((await response.json()) as IdentityStatus).stage : undefined;
}

/** Every payload in a history, with where it sits. */
function payloadsIn(value: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if ('data' in value && value.data instanceof Uint8Array && 'metadata' in value) {
    return [{ path, payload: value as Payload }];
  }
  return Object.entries(value).flatMap(([key, child]) => payloadsIn(child, path ? `${path}.${key}` : key));
}

function decodeRequest(url: string, payloads: Payload[], headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
  });
}

void test('a hire and a termination leave no name, email or userName in the raw history; the codec server reads them back', async () => {
  const n = randomUUID().slice(0, 6);
  const person = employee({
    givenName: 'Zephyrine',
    familyName: `Quackenbush${n}`,
    userName: `zephyrine.quackenbush${n}`,
    email: `zephyrine.quackenbush${n}@example.test`,
  });
  await send(hrEvent('hire', person));
  await eventually('the joiner', async () => (await stageOf(person.id)) === 'active');
  await send(hrEvent('terminate', person, { urgent: true }));
  await eventually('the leaver', async () => (await stageOf(person.id)) === 'left');

  const handle = raw.workflow.getHandle(`identity-${person.id}`);
  const history = await handle.fetchHistory();
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  const text = bytes.toString('latin1').toLowerCase();
  for (const personal of ['Zephyrine', person.familyName, person.userName, person.email]) {
    assert.ok(!text.includes(personal.toLowerCase()), `the raw history does not contain ${personal}`);
  }

  // Every payload is ciphertext under the tests' key, but the search attributes, which Temporal must
  // read to index (and which carry employee ids and stages only), and the SDK's own patch markers,
  // which name a code change (`patched()`) and nothing else.
  const found = payloadsIn(history);
  const patchMarkers = found.filter(({ path }) =>
    path.includes('markerRecordedEventAttributes.details.patch-data'),
  );
  for (const { path, payload } of patchMarkers) {
    // Core writes the patch's id (and whether it is deprecated): no other value may appear.
    const values = Object.values(
      JSON.parse(Buffer.from(payload.data ?? []).toString()) as object,
    ) as unknown[];
    assert.ok(
      values.every((v) => typeof v === 'boolean' || (typeof v === 'string' && /^[a-z-]+$/.test(v))),
      `${path} carries a patch id only: ${JSON.stringify(values)}`,
    );
  }
  const encrypted = found.filter(
    ({ path }) => !path.includes('searchAttributes') && !patchMarkers.some((m) => m.path === path),
  );
  assert.ok(encrypted.length > 10, `the history has payloads (${found.length})`);
  for (const { path, payload } of encrypted) {
    const meta = (key: string) => Buffer.from(payload.metadata?.[key] ?? []).toString();
    assert.equal(meta('encoding'), ENCRYPTED_ENCODING, `${path} is encrypted`);
    assert.equal(meta(METADATA_KEY_ID), TEST_PAYLOAD_KEY_ID, `${path} names its key`);
  }
  const described = await handle.describe();
  assert.equal(described.workflowId, `identity-${person.id}`);
  const indexed = [
    'BuildIds',
    'EmployeeId',
    'LifecycleStage',
    'NeedsAttention',
    'OpenTasks',
    'PendingApprovals',
    // Temporal's own: the ids of the code changes (patched()) the run has passed.
    'TemporalChangeVersion',
  ];
  for (const key of Object.keys(described.searchAttributes)) {
    assert.ok(indexed.includes(key), `search attribute ${key} is one jml keeps`);
  }
  assert.deepEqual(described.searchAttributes.EmployeeId, [person.id]);
  assert.ok(!JSON.stringify(described.searchAttributes).toLowerCase().includes('zephyrine'));

  // Through the codec server, with the token as the UI sends it (in the endpoint's path) and as a bearer.
  const payloads = encrypted.map((p) => p.payload);
  for (const [how, response] of [
    ['endpoint path', await decodeRequest(`${codec.endpoint}/decode`, payloads)],
    [
      'bearer token',
      await decodeRequest(`${codec.url}/decode`, payloads, { authorization: `Bearer ${CODEC_TOKEN}` }),
    ],
  ] as const) {
    assert.equal(response.status, 200, how);
    const decoded = ((await response.json()) as { payloads: { data: string }[] }).payloads;
    assert.equal(decoded.length, payloads.length, how);
    const plain = decoded.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');
    for (const personal of ['Zephyrine', person.familyName, person.userName, person.email]) {
      assert.ok(plain.includes(personal), `decoded by ${how}: ${personal}`);
    }
  }

  // And for no one without the token, nor for a page of another origin that has it.
  const refused = await decodeRequest(`${codec.url}/decode`, payloads);
  assert.equal(refused.status, 401);
  assert.doesNotMatch(await refused.text(), /zephyrine/i);
  assert.equal((await decodeRequest(`${codec.url}/not-the-token/decode`, payloads)).status, 401);
  assert.equal(
    (await decodeRequest(`${codec.endpoint}/decode`, payloads, { origin: 'http://evil.example' })).status,
    403,
  );
});

void test("the dev server's Web UI is given the codec endpoint, and the browser may call it from the UI's origin", async () => {
  const settings = await eventually('the Web UI', async () => {
    const response = await fetch(`${devServer.uiUrl}/api/v1/settings`);
    return response.ok ? ((await response.json()) as { Codec?: { Endpoint?: string } }) : undefined;
  });
  assert.equal(settings.Codec?.Endpoint, codec.endpoint);

  const preflight = await fetch(`${codec.endpoint}/decode`, {
    method: 'OPTIONS',
    headers: {
      origin: devServer.uiUrl!,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), devServer.uiUrl);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);
});
