// Where the evidence store is and which keys it uses: the configuration's evidence.url (never with
// a password written in the file), JML_EVIDENCE_URL over it, and the embedded store by default.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { makeConfigSchema } from '../../domain/config';
import { describeIssues } from '../../domain/hr-event';
import { EvidenceSettingsError } from '../../evidence/errors';
import { evidenceLocation, publicKeysFrom, signingKeyFrom } from '../../evidence/settings';
import { keyIdOf, newSigningKeyText, publicKeyText } from '../../evidence/signing';

const env = { HR: 'hr-secret', API: 'api-token', EVIDENCE_DB: 'postgres://jml:pw@db.example.com/evidence' };

function parse(evidence: unknown) {
  return makeConfigSchema(env).safeParse({
    http: { hrWebhookSecret: { env: 'HR' }, apiToken: { env: 'API' } },
    applications: [{ id: 'crm', kind: 'manual', fulfillers: ['E0500'] }],
    ...(evidence === undefined ? {} : { evidence }),
  });
}

function problems(evidence: unknown) {
  const parsed = parse(evidence);
  assert.equal(parsed.success, false);
  return describeIssues(parsed.error);
}

void describe('evidence configuration', () => {
  void test('absent, evidence goes to the embedded store; a URL without a password or from the environment is taken', () => {
    assert.deepEqual(parse(undefined).data?.evidence, {});
    assert.deepEqual(parse({ url: 'postgres://jml@db.example.com:5432/evidence' }).data?.evidence, {
      url: 'postgres://jml@db.example.com:5432/evidence',
    });
    assert.deepEqual(parse({ url: { env: 'EVIDENCE_DB' } }).data?.evidence, { url: env.EVIDENCE_DB });
  });

  void test('a password in the file, another kind of URL, or an unknown key is refused at its key', () => {
    assert.deepEqual(problems({ url: 'postgres://jml:secret@db/evidence' }), [
      {
        path: 'evidence.url',
        message: 'must not contain a password: write { env: NAME } and put the URL in that variable',
      },
    ]);
    assert.deepEqual(problems({ url: 'mysql://db/evidence' }), [
      { path: 'evidence.url', message: 'must be a postgres:// or postgresql:// URL' },
    ]);
    assert.deepEqual(problems({ url: { env: 'UNSET' } }), [
      { path: 'evidence.url', message: 'environment variable UNSET is not set' },
    ]);
    assert.deepEqual(problems({ url: { env: 'API' } }), [
      { path: 'evidence.url', message: 'must be a postgres:// or postgresql:// URL' },
    ]);
    assert.equal(problems({ path: '/var/evidence' })[0]?.path, 'evidence');
  });

  void test('JML_EVIDENCE_URL wins over the configuration; without either, <data dir>/evidence', () => {
    assert.deepEqual(evidenceLocation({ dataDir: '/srv/jml', env: {} }), {
      kind: 'pglite',
      dir: '/srv/jml/evidence',
    });
    assert.deepEqual(evidenceLocation({ dataDir: '/srv/jml', configUrl: 'postgres://a/b', env: {} }), {
      kind: 'postgres',
      url: 'postgres://a/b',
    });
    assert.deepEqual(
      evidenceLocation({
        dataDir: '/srv/jml',
        configUrl: 'postgres://a/b',
        env: { JML_EVIDENCE_URL: 'postgresql://c/d' },
      }),
      { kind: 'postgres', url: 'postgresql://c/d' },
    );
    assert.throws(
      () => evidenceLocation({ dataDir: '/srv/jml', env: { JML_EVIDENCE_URL: 'http://c/d' } }),
      (error: unknown) =>
        error instanceof EvidenceSettingsError && error.problems[0]?.path === 'JML_EVIDENCE_URL',
    );
  });

  void test("the keys: the signing key is required to write; verifying takes the public key, or the signing key's half", () => {
    const signing = newSigningKeyText();
    const publicKey = publicKeyText(generateKeyPairSync('ed25519').publicKey);
    assert.throws(() => signingKeyFrom({}), /JML_EVIDENCE_SIGNING_KEY: is not set/);
    assert.throws(() => publicKeysFrom({}), /JML_EVIDENCE_PUBLIC_KEY: is not set/);
    const own = keyIdOf(signingKeyFrom({ JML_EVIDENCE_SIGNING_KEY: signing }));
    assert.deepEqual(publicKeysFrom({ JML_EVIDENCE_SIGNING_KEY: signing }).map(keyIdOf), [own]);
    assert.deepEqual(
      publicKeysFrom({ JML_EVIDENCE_SIGNING_KEY: signing, JML_EVIDENCE_PUBLIC_KEY: publicKey }).map(keyIdOf),
      publicKeysFrom({ JML_EVIDENCE_PUBLIC_KEY: publicKey }).map(keyIdOf),
      'a public key given is the one trusted',
    );
  });
});
