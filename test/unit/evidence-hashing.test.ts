// The pure parts of tamper evidence: canonical JSON, record hashes, checkpoint signatures and keys,
// the evidence record schema, and the chain walk on records a database could never hold (two at one
// number, which the store's unique constraint prevents).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chainIdFor, evidenceInputSchema, evidenceKey } from '../../domain/evidence-record';
import { describeIssues } from '../../domain/hr-event';
import { canonicalJson } from '../../evidence/canonical-json';
import { walkChain } from '../../evidence/chain-walk';
import { Cursor } from '../../evidence/cursor';
import { canonicalTime, GENESIS_HASH, recordHash, type HashedRecord } from '../../evidence/record-hash';
import type { StoredCheckpoint, StoredRecord } from '../../evidence/record-rows';
import {
  checkpointVerifier,
  keyIdOf,
  newSigningKeyText,
  publicKeysSchema,
  publicKeyText,
  signerFrom,
  signingKeySchema,
} from '../../evidence/signing';

void describe('canonical JSON', () => {
  void test('sorts keys at every depth by UTF-16 code units and writes no whitespace', () => {
    assert.equal(
      canonicalJson({ b: [3, { z: null, a: true }], a: 'x', é: 1, B: 2, '10': 0, '9': 0 }),
      '{"10":0,"9":0,"B":2,"a":"x","b":[3,{"a":true,"z":null}],"é":1}',
    );
    assert.equal(
      canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2 }),
      '{"\u{1F600}":1,"\uFFFF":2}',
      'surrogates sort before U+FFFF',
    );
  });

  void test('writes strings and numbers as JSON.stringify does, and leaves out undefined members', () => {
    assert.equal(
      canonicalJson({ s: 'a"\n\u0001', n: 1e21, m: 0.1 + 0.2, z: -0, u: undefined }),
      '{"m":0.30000000000000004,"n":1e+21,"s":"a\\"\\n\\u0001","z":0}',
    );
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  });

  void test('refuses what JSON cannot carry instead of changing it', () => {
    assert.throws(() => canonicalJson({ n: Number.NaN }), /\$\.n: NaN is not a JSON number/);
    assert.throws(() => canonicalJson([1, undefined]), /\$\[1\]: undefined is not JSON/);
    assert.throws(() => canonicalJson({ at: new Date() }), /\$\.at: only plain objects are JSON/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /\$\.f: a function is not JSON/);
  });
});

const base: HashedRecord = {
  chainId: 'employee:E1001',
  seq: 1,
  key: 'identity-E1001/0a1b2c3d/wd-1/-/hr-event',
  kind: 'hr-event',
  employeeId: 'E1001',
  appId: null,
  occurredAt: '2026-12-01T09:00:00.000000Z',
  recordedAt: '2026-12-01T09:00:01.123456Z',
  body: { eventId: 'wd-1', type: 'hire' },
  prevHash: GENESIS_HASH,
};

void describe('record hashes', () => {
  void test('a SHA-256 over every field, so changing any one changes the hash', () => {
    const hash = recordHash(base);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(
      recordHash({ ...base, body: { type: 'hire', eventId: 'wd-1' } }),
      hash,
      'key order does not matter',
    );
    const changes: Partial<HashedRecord>[] = [
      { chainId: 'employee:E1002' },
      { seq: 2 },
      { key: `${base.key}x` },
      { kind: 'plan' },
      { employeeId: 'E1002' },
      { appId: 'crm' },
      { occurredAt: '2026-12-01T09:00:00.000001Z' },
      { recordedAt: '2026-12-01T09:00:01.123457Z' },
      { body: { eventId: 'wd-1', type: 'rehire' } },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const change of changes)
      assert.notEqual(recordHash({ ...base, ...change }), hash, JSON.stringify(change));
  });

  void test('times are hashed in UTC to the microsecond, as the database gives them back', () => {
    assert.equal(canonicalTime('2026-12-01T10:00:00.5+01:00'), '2026-12-01T09:00:00.500000Z');
  });
});

void describe('checkpoint signatures', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = signerFrom(privateKey);
  const fields = {
    chainId: 'employee:E1001',
    upToSeq: 3,
    hash: 'a'.repeat(64),
    keyId: signer.keyId,
    signedAt: base.recordedAt,
  };

  void test('verify with the public key alone; any change to what was signed fails', () => {
    const check = checkpointVerifier([publicKey]);
    const signature = signer.sign(fields);
    assert.equal(check({ ...fields, signature }), 'valid');
    for (const change of [
      { upToSeq: 4 },
      { hash: 'b'.repeat(64) },
      { chainId: 'employee:E1002' },
      { signedAt: base.occurredAt },
    ]) {
      assert.equal(check({ ...fields, ...change, signature }), 'bad-signature', JSON.stringify(change));
    }
    assert.equal(check({ ...fields, keyId: '0123456789abcdef', signature }), 'unknown-key');
    assert.equal(
      checkpointVerifier([generateKeyPairSync('ed25519').publicKey])({ ...fields, signature }),
      'unknown-key',
    );
  });

  void test('keys are read as PEM or base64 DER; the key id is the same from either half', () => {
    const text = newSigningKeyText();
    assert.match(text, /^[A-Za-z0-9+/]+={0,2}$/, 'one line, for an environment variable');
    const fromBase64 = signingKeySchema.parse(text);
    const pem = fromBase64.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(keyIdOf(signingKeySchema.parse(pem)), keyIdOf(fromBase64));
    const publicText = publicKeyText(fromBase64);
    const [fromPublic] = publicKeysSchema.parse(publicText);
    assert.equal(keyIdOf(fromPublic!), keyIdOf(fromBase64));
    assert.equal(
      publicKeysSchema.parse(`${publicText},${publicKeyText(publicKey)}`).length,
      2,
      'several keys, comma-separated',
    );
  });

  void test('anything but an Ed25519 key of the right half is refused, saying what it is', () => {
    const problems = (schema: typeof signingKeySchema | typeof publicKeysSchema, value: string) => {
      const parsed = schema.safeParse(value);
      assert.equal(parsed.success, false);
      return describeIssues(parsed.error).map((p) => p.message);
    };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    assert.match(
      problems(signingKeySchema, rsa.toString())[0]!,
      /must be an Ed25519 private key: .*\(this is a rsa key\)/,
    );
    assert.match(problems(signingKeySchema, 'not a key!')[0]!, /must be an Ed25519 private key/);
    assert.match(problems(signingKeySchema, publicKeyText(publicKey))[0]!, /must be an Ed25519 private key/);
  });
});

void describe('evidence records', () => {
  const hire = {
    key: evidenceKey({
      workflowId: 'identity-E1001',
      employment: '0a1b2c3d',
      step: 'wd-1',
      kind: 'hr-event',
    }),
    employeeId: 'E1001',
    occurredAt: '2026-12-01T09:00:00Z',
    kind: 'hr-event',
    body: {
      eventId: 'wd-1',
      type: 'hire',
      source: 'workday',
      occurredAt: '2026-12-01T09:00:00Z',
      receivedAt: '2026-12-01T09:00:01Z',
    },
  };

  void test('a valid record gets no application by default; its key and chain follow from the step and the person', () => {
    const parsed = evidenceInputSchema.parse(hire);
    assert.equal(parsed.appId, null);
    assert.equal(parsed.key, 'identity-E1001/0a1b2c3d/wd-1/-/hr-event');
    assert.equal(chainIdFor('E1001'), 'employee:E1001');
  });

  void test('each kind checks its own body, and problems are named at their path', () => {
    const parsed = evidenceInputSchema.safeParse({
      ...hire,
      body: { ...hire.body, type: 'promote', extra: 1 },
    });
    assert.equal(parsed.success, false);
    const problems = describeIssues(parsed.error);
    assert.ok(
      problems.some((p) => p.path === 'body.type'),
      JSON.stringify(problems),
    );
    assert.ok(
      problems.some((p) => p.path === 'body' && /extra/.test(p.message)),
      JSON.stringify(problems),
    );
    const unknownKind = evidenceInputSchema.safeParse({ ...hire, kind: 'gossip' });
    assert.deepEqual(
      describeIssues(unknownKind.error!).map((p) => p.path),
      ['kind'],
    );
  });
});

void describe('the chain walk', () => {
  function chain(count: number): StoredRecord[] {
    const records: StoredRecord[] = [];
    for (let seq = 1; seq <= count; seq += 1) {
      const record = { ...base, seq, key: `k${seq}`, prevHash: records[seq - 2]?.hash ?? GENESIS_HASH };
      records.push({ ...record, id: String(seq), hash: recordHash(record) });
    }
    return records;
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = signerFrom(privateKey);
  const signed = (r: StoredRecord): StoredCheckpoint => {
    const fields = {
      chainId: r.chainId,
      upToSeq: r.seq,
      hash: r.hash,
      keyId: signer.keyId,
      signedAt: r.recordedAt,
    };
    return { ...fields, id: `c${r.seq}`, signature: signer.sign(fields) };
  };
  const walk = (records: StoredRecord[], checkpoints: StoredCheckpoint[]) =>
    walkChain({
      chainId: base.chainId,
      startSeq: 1,
      reachesEnd: true,
      maxSeq: Math.max(...records.map((r) => r.seq)),
      head: { seq: records[records.length - 1]!.seq, hash: records[records.length - 1]!.hash },
      records: new Cursor(records[Symbol.iterator]()),
      checkpoints: new Cursor(checkpoints[Symbol.iterator]()),
      checkSignature: checkpointVerifier([publicKey]),
    });

  void test('an intact chain walks to its end', async () => {
    const records = chain(3);
    assert.deepEqual(await walk(records, records.map(signed)), {
      problem: undefined,
      records: 3,
      checkpoints: 3,
    });
  });

  void test('a second record at one number: the one no checkpoint signed is named, inserted', async () => {
    const records = chain(3);
    const twin = { ...records[1]!, id: '99', key: 'k2-twin' };
    const forged = { ...twin, hash: recordHash(twin) };
    const result = await walk([records[0]!, forged, records[1]!, records[2]!], records.map(signed));
    assert.deepEqual(
      { kind: result.problem?.kind, seq: result.problem?.seq, recordId: result.problem?.recordId },
      { kind: 'inserted', seq: 2, recordId: '99' },
    );
  });
});
