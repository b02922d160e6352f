// The codec server over HTTP, as the Temporal UI and CLI call it: the codec-server protocol (POST
// /encode and /decode with protobuf-JSON payloads), the codec token in a bearer header or in the
// endpoint's path, CORS for the UI's origin only, errors that name what is wrong, and an audit line
// per request that holds neither the token nor any payload. Its settings come from the environment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { ConfigError } from '../../config/load';
import { startCodecServer, type RunningCodecServer } from '../../encryption/codec-server';
import { codecServerSettings } from '../../encryption/codec-server-settings';
import { payloadKeysFromEnv } from '../../encryption/payload-keys';
import { payloadToJson } from '../../encryption/payload-json';
import { TEST_PAYLOAD_ENV, testPayloadCodec } from '../support/encryption';
import { eventually } from '../support/wait';

const TOKEN = 'codec-test-token-0123456789abcdef';
const UI = 'http://localhost:8233';
const logLines: string[] = [];
let server: RunningCodecServer;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  server = await startCodecServer(
    {
      token: TOKEN,
      allowedOrigins: [UI],
      host: '127.0.0.1',
      port: 0,
      keys: payloadKeysFromEnv(TEST_PAYLOAD_ENV),
    },
    pino({ level: 'debug' }, sink),
  );
});

after(() => server?.stop());

const secretValue = { email: 'ottoline.fairweather@example.test' };

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}

async function encrypted(): Promise<Payload[]> {
  return testPayloadCodec.encode([defaultPayloadConverter.toPayload(secretValue)]);
}

const bearer = { authorization: `Bearer ${TOKEN}` };

void describe('the protocol', () => {
  void test('decode turns encrypted payloads back into the originals (metadata and data, base64)', async () => {
    const response = await post('/decode', { payloads: (await encrypted()).map(payloadToJson) }, bearer);
    assert.equal(response.status, 200);
    const { payloads } = (await response.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString()), secretValue);
  });

  void test('encode encrypts what the UI sends (a signal typed in the UI), and decode reads it back', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ approve: true }));
    const encoded = (await (await post('/encode', { payloads: [plain] }, bearer)).json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    assert.equal(
      Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(),
      'binary/encrypted',
    );
    const decoded = (await (await post('/decode', encoded, bearer)).json()) as {
      payloads: { data: string }[];
    };
    assert.deepEqual(JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()), {
      approve: true,
    });
  });

  void test('no payloads, written `{}` in protobuf JSON (a query without arguments), is none back', async () => {
    const response = await post('/encode', {}, bearer);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { payloads: [] });
  });

  void test('a payload that is not encrypted comes back as it was', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload('as it was'));
    const response = await post('/decode', { payloads: [plain] }, bearer);
    assert.deepEqual(await response.json(), { payloads: [plain] });
  });

  void test('a payload under an unknown key is 400 naming the key id; a bad body is 400 naming the field', async () => {
    const [payload] = (await encrypted()).map(payloadToJson);
    payload!.metadata['encryption-key-id'] = Buffer.from('k-gone').toString('base64');
    const unknown = await post('/decode', { payloads: [payload] }, bearer);
    assert.equal(unknown.status, 400);
    const body = (await unknown.json()) as { error: string; message: string };
    assert.equal(body.error, 'cannot_decode');
    assert.match(body.message, /key "k-gone", which is not among the readable keys \(test-1\)/);

    const bad = await post('/decode', { payloads: [{ data: 'not base64!' }] }, bearer);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: 'invalid_request',
      message: 'the body must be {"payloads": [...]}',
      problems: [{ path: 'payloads.0.data', message: 'must be base64' }],
    });
    const notJson = await fetch(`${server.url}/decode`, { method: 'POST', headers: bearer, body: 'x' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: string }).error, 'invalid_request');
  });
});

void describe('who may decode', () => {
  void test('the token in the endpoint path, as the Temporal UI sends it, is accepted', async () => {
    const response = await post(`/${TOKEN}/decode`, { payloads: (await encrypted()).map(payloadToJson) });
    assert.equal(response.status, 200);
  });

  void test('no token, a wrong bearer token or a wrong path token: 401, and nothing decoded', async () => {
    const payloads = (await encrypted()).map(payloadToJson);
    for (const [path, headers] of [
      ['/decode', {}],
      ['/decode', { authorization: `Bearer ${TOKEN}x` }],
      ['/decode', { authorization: TOKEN }],
      [`/${TOKEN.slice(0, -1)}/decode`, {}],
      ['/encode', { authorization: 'Bearer wrong' }],
    ] as const) {
      const response = await post(path, { payloads }, headers);
      assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.doesNotMatch(await response.text(), /ottoline/);
    }
  });

  void test('an unknown path is 404', async () => {
    assert.equal((await post(`/a/${TOKEN}/decode`, { payloads: [] }, bearer)).status, 404);
  });
});

void describe('CORS for the Temporal UI', () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/${TOKEN}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
        'access-control-request-private-network': 'true',
      },
    });

  void test("the preflight from the UI's origin is answered without credentials, naming the headers the UI sends", async () => {
    const response = await preflight(UI);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), UI);
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST');
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    for (const header of ['content-type', 'x-namespace', 'authorization'])
      assert.ok(allowed.includes(header), header);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(response.headers.get('access-control-allow-private-network'), 'true');
    assert.equal(response.headers.get('vary'), 'Origin');
  });

  void test("the UI's decode is answered with its origin, its refusals too (so the UI can show why)", async () => {
    const ok = await post(`/${TOKEN}/decode`, { payloads: [] }, { origin: UI });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI);
    const refused = await post('/decode', { payloads: [] }, { origin: UI });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), UI);
  });

  void test('a page of any other origin is refused, preflight and request, even with the token', async () => {
    const response = await preflight('http://127.0.0.1:9999');
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    const post403 = await post(
      `/${TOKEN}/decode`,
      { payloads: (await encrypted()).map(payloadToJson) },
      {
        origin: 'https://evil.example',
      },
    );
    assert.equal(post403.status, 403);
    assert.match(await post403.text(), /pages from https:\/\/evil.example may not call this codec server/);
  });
});

void test('each request leaves an audit line (debug when answered, warn when refused) with how it was let in, and neither the token nor the data', async () => {
  // Its own namespace header tells this test's lines from the earlier tests' (logged once answered).
  const namespace = 'audit-test';
  await post(
    `/${TOKEN}/decode`,
    { payloads: (await encrypted()).map(payloadToJson) },
    { origin: UI, 'x-namespace': namespace },
  );
  await post('/decode', { payloads: [] }, { 'x-namespace': namespace });
  const audit = await eventually('the audit lines', () => {
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ours = lines.filter((line) => line.msg === 'codec request' && line.namespace === namespace);
    return Promise.resolve(ours.length === 2 && ours);
  });
  assert.deepEqual(
    audit.map(({ level, operation, via, payloads, status, origin, namespace }) => ({
      level,
      operation,
      via,
      payloads,
      status,
      origin,
      namespace,
    })),
    [
      {
        level: 20,
        operation: 'decode',
        via: 'endpoint path',
        payloads: 1,
        status: 200,
        origin: UI,
        namespace,
      },
      {
        level: 40,
        operation: 'decode',
        via: undefined,
        payloads: undefined,
        status: 401,
        origin: undefined,
        namespace,
      },
    ],
  );
  for (const line of logLines) {
    assert.ok(!line.includes(TOKEN), 'no token in the log');
    assert.ok(!line.includes('ottoline'), 'no decoded data in the log');
  }
});

void describe('codecServerSettings', () => {
  const keys = TEST_PAYLOAD_ENV;
  const problemsOf = (env: Record<string, string>) => {
    try {
      codecServerSettings(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    assert.fail('no error');
  };

  void test('defaults: 127.0.0.1:8081, no origin but those given, the keys from JML_PAYLOAD_KEYS', () => {
    const settings = codecServerSettings({ ...keys, JML_CODEC_TOKEN: TOKEN }, [UI]);
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.port, 8081);
    assert.deepEqual(settings.allowedOrigins, [UI]);
    assert.equal(settings.keys.writeKeyId, 'test-1');
    const more = codecServerSettings(
      {
        ...keys,
        JML_CODEC_TOKEN: TOKEN,
        JML_CODEC_CORS_ORIGINS: 'https://temporal.example.com, http://localhost:8233',
      },
      [UI],
    );
    assert.deepEqual(more.allowedOrigins, [UI, 'https://temporal.example.com']);
  });

  void test('every problem is named: token unset or unfit for a URL, an origin with a path, a bad port, no keys', () => {
    assert.deepEqual(problemsOf({ JML_CODEC_PORT: 'x' }), [
      'JML_CODEC_TOKEN: not set: the token that lets an operator decode payloads (e.g. `openssl rand -hex 24`)',
      'JML_CODEC_PORT: Invalid input: expected number, received NaN',
      'JML_PAYLOAD_KEYS: not set: list the keys as "<id>:<base64 key>,…" (a key is 32 random bytes in base64, e.g. `openssl rand -base64 32`)',
    ]);
    assert.deepEqual(
      problemsOf({
        ...keys,
        JML_CODEC_TOKEN: 'short/one',
        JML_CODEC_CORS_ORIGINS: 'https://ui.example.com/path',
      }),
      [
        'JML_CODEC_TOKEN: may hold only letters, digits, ".", "_", "~" and "-"',
        'JML_CODEC_TOKEN: must be at least 24 characters',
        'JML_CODEC_CORS_ORIGINS: "https://ui.example.com/path" is not an origin: scheme, host and port only, e.g. https://temporal.example.com',
      ],
    );
  });
});
