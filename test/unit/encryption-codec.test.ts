// The payload codec: AES-256-GCM with the key id in the metadata, several keys readable and one
// writing, tampering and unknown keys refused, unencrypted payloads passed through; and the key
// configuration from the environment, whose problems are named without showing key material.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError } from '../../config/load';
import { EncryptionCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID } from '../../encryption/encryption-codec';
import { payloadKeysFromEnv } from '../../encryption/payload-keys';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const codecFor = (env: Record<string, string>) => new EncryptionCodec(payloadKeysFromEnv(env));
const person = { givenName: 'Philippa', familyName: 'Oddbody', email: 'philippa.oddbody@example.test' };
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

async function encodeOne(codec: EncryptionCodec, value: unknown): Promise<Payload> {
  const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return encoded!;
}

async function decodeOne(codec: EncryptionCodec, payload: Payload): Promise<unknown> {
  const [decoded] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload(decoded!);
}

void describe('EncryptionCodec', () => {
  const codec = codecFor({ JML_PAYLOAD_KEYS: `k1:${k1}` });

  void test('round trip: the value comes back, the payload shows only the encoding and the key id', async () => {
    const encoded = await encodeOne(codec, person);
    assert.deepEqual(Object.keys(encoded.metadata ?? {}).sort(), ['encoding', METADATA_KEY_ID]);
    assert.equal(text(encoded.metadata?.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(encoded.metadata?.[METADATA_KEY_ID]), 'k1');
    for (const plain of ['Philippa', 'Oddbody', 'philippa.oddbody', 'json/plain']) {
      assert.ok(!Buffer.from(encoded.data!).includes(plain), `ciphertext does not contain ${plain}`);
    }
    assert.deepEqual(await decodeOne(codec, encoded), person);
  });

  void test('the original metadata travels inside: a binary payload decodes to its own encoding', async () => {
    const original = defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3]));
    const [encoded] = await codec.encode([original]);
    const [decoded] = await codec.decode([encoded!]);
    assert.equal(text(decoded!.metadata?.encoding), 'binary/plain');
    assert.deepEqual([...decoded!.data!], [1, 2, 3]);
  });

  void test('a fresh IV per payload: the same value encrypts differently each time', async () => {
    const a = await encodeOne(codec, person);
    const b = await encodeOne(codec, person);
    assert.notDeepEqual(Buffer.from(a.data!), Buffer.from(b.data!));
    assert.notDeepEqual(Buffer.from(a.data!).subarray(0, 12), Buffer.from(b.data!).subarray(0, 12));
  });

  void test('rotation: written with the old key, read after the writing key changed; new payloads use the new key', async () => {
    const before = codecFor({ JML_PAYLOAD_KEYS: `k1:${k1}` });
    const old = await encodeOne(before, person);
    const after = codecFor({ JML_PAYLOAD_KEYS: `k2:${k2},k1:${k1}`, JML_PAYLOAD_KEY_ID: 'k2' });
    assert.deepEqual(await decodeOne(after, old), person);
    const fresh = await encodeOne(after, person);
    assert.equal(text(fresh.metadata?.[METADATA_KEY_ID]), 'k2');
    assert.deepEqual(await decodeOne(after, fresh), person);
    await assert.rejects(before.decode([fresh]), /key "k2", which is not among the readable keys \(k1\)/);
  });

  void test('tampered ciphertext, IV or tag is refused by the integrity check', async () => {
    const encoded = await encodeOne(codec, person);
    const length = encoded.data!.length;
    for (const index of [0, 20, length - 1]) {
      const data = Buffer.from(encoded.data!);
      data[index] = data[index]! ^ 0x01;
      await assert.rejects(
        codec.decode([{ ...encoded, data }]),
        /key "k1"\) failed its integrity check/,
        `byte ${index} flipped`,
      );
    }
    await assert.rejects(
      codec.decode([{ ...encoded, data: Buffer.from(encoded.data!).subarray(0, 20) }]),
      /too short/,
    );
  });

  void test('a payload under another key with the same id fails its integrity check', async () => {
    const other = codecFor({ JML_PAYLOAD_KEYS: `k1:${k2}` });
    await assert.rejects(other.decode([await encodeOne(codec, person)]), /failed its integrity check/);
  });

  void test('an unknown key id is refused, naming the id: ciphertext never passes as data', async () => {
    const encoded = await encodeOne(codec, person);
    const unknown = { ...encoded, metadata: { ...encoded.metadata, [METADATA_KEY_ID]: Buffer.from('k9') } };
    await assert.rejects(
      codec.decode([unknown]),
      /encrypted with key "k9", which is not among the readable keys/,
    );
    const { [METADATA_KEY_ID]: _dropped, ...withoutId } = encoded.metadata!;
    await assert.rejects(codec.decode([{ ...encoded, metadata: withoutId }]), /has no encryption-key-id/);
  });

  void test('payloads that are not encrypted pass through decode unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload(person);
    const [decoded] = await codec.decode([plain]);
    assert.equal(decoded, plain);
    const empty: Payload = {};
    assert.equal((await codec.decode([empty]))[0], empty);
  });
});

void describe('payloadKeysFromEnv', () => {
  /** The problems a ConfigError names, as "path: message". */
  function problemsOf(env: Record<string, string>): string[] {
    try {
      payloadKeysFromEnv(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems.map((p) => `${p.path}: ${p.message}`);
    }
    assert.fail('no error');
  }

  void test('one key writes without JML_PAYLOAD_KEY_ID; with several, the named one writes and all read', () => {
    assert.equal(payloadKeysFromEnv({ JML_PAYLOAD_KEYS: `k1:${k1}` }).writeKeyId, 'k1');
    const keys = payloadKeysFromEnv({ JML_PAYLOAD_KEYS: ` k2:${k2} , k1:${k1} `, JML_PAYLOAD_KEY_ID: 'k2' });
    assert.equal(keys.writeKeyId, 'k2');
    assert.deepEqual([...keys.keys.keys()], ['k2', 'k1']);
    assert.deepEqual(keys.keys.get('k1'), Buffer.from(k1, 'base64'));
  });

  void test('URL-safe base64 is read too', () => {
    const key = randomBytes(32);
    assert.deepEqual(
      payloadKeysFromEnv({ JML_PAYLOAD_KEYS: `k1:${key.toString('base64url')}` }).keys.get('k1'),
      key,
    );
  });

  void test('each bad key is named with what is wrong, and no key material is shown', () => {
    const short = randomBytes(16).toString('base64');
    const problems = problemsOf({
      JML_PAYLOAD_KEYS: `k1:${short},nocolon,k1:${k1},bad id:${k2},k3:not*base64,`,
    });
    assert.deepEqual(problems, [
      'JML_PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32 (a key is 32 random bytes in base64, e.g. `openssl rand -base64 32`)',
      'JML_PAYLOAD_KEYS: entry 2 has no "<id>:" before the key',
      'JML_PAYLOAD_KEYS: key "k1" is listed twice',
      'JML_PAYLOAD_KEYS: entry 4: the id must be 1 to 64 letters, digits, ".", "_" or "-"',
      'JML_PAYLOAD_KEYS: key "k3" is not base64 (a key is 32 random bytes in base64, e.g. `openssl rand -base64 32`)',
      'JML_PAYLOAD_KEYS: entry 6 is empty',
    ]);
    for (const line of problems) {
      for (const secret of [short, k1, k2]) assert.ok(!line.includes(secret), line);
    }
  });

  void test('unset keys, a missing or unknown writing key id are named', () => {
    assert.deepEqual(problemsOf({}), [
      'JML_PAYLOAD_KEYS: not set: list the keys as "<id>:<base64 key>,…" (a key is 32 random bytes in base64, e.g. `openssl rand -base64 32`)',
    ]);
    assert.deepEqual(problemsOf({ JML_PAYLOAD_KEYS: `k2:${k2},k1:${k1}` }), [
      'JML_PAYLOAD_KEY_ID: not set: with several keys (k2, k1) say which one encrypts',
    ]);
    assert.deepEqual(problemsOf({ JML_PAYLOAD_KEYS: `k1:${k1}`, JML_PAYLOAD_KEY_ID: 'k2' }), [
      'JML_PAYLOAD_KEY_ID: "k2" is not one of the keys in JML_PAYLOAD_KEYS (k1)',
    ]);
  });
});
