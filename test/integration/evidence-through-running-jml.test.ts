// The embedded (PGlite) evidence store serves one process, so while jml runs it is jml's alone. The
// auditors' commands then read it through that jml's API (GET /v1/evidence/verify, /report, /leavers,
// /v1/evidence) and say so; with no API to ask they still exit 3, giving both reasons. A hand edit of
// the database made while jml was stopped is named by `jml audit verify` through the running jml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LeaverCertificate } from '../../domain/leaver-certificate';
import type { VerifyReport } from '../../evidence/verify';
import { publicKeyText } from '../../evidence/signing';
import type { EvidenceStore } from '../../evidence/store';
import { evidenceApi, type EvidenceApi } from '../support/evidence-api';
import { EVIDENCE_BACKENDS, tamper, type EvidenceFixture } from '../support/evidence-backends';
import { PersonRecords } from '../support/step-records';
import { jml } from '../unit/cli-run';

const API_TOKEN = 'running-jml-api-token';
const pglite = EVIDENCE_BACKENDS.find((b) => b.name === 'PGlite')!;
let fixture: EvidenceFixture;
let store: EvidenceStore;
let api: EvidenceApi & { url: string };
const savedPublicKey = process.env.JML_EVIDENCE_PUBLIC_KEY;

/** The API of a running jml over the store this process holds, listening as `npm start` serves it. */
async function startApi(held: EvidenceStore) {
  const api = await evidenceApi(held, { apiToken: API_TOKEN, personalTokenSecret: 'unused-secret' });
  return { ...api, url: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
}

const cliEnv = () => ({ ...fixture.cliEnv, JML_URL: api.url, JML_API_TOKEN: API_TOKEN });

before(async () => {
  await pglite.start();
  fixture = await pglite.fresh();
  // The running jml checks checkpoints with the public key of its own signing key.
  process.env.JML_EVIDENCE_PUBLIC_KEY = publicKeyText(fixture.publicKey);
  store = await fixture.open();
  const ada = new PersonRecords('E5001', 'run-ada-5')
    .event('evt-5-term', 'leaver', {
      receivedAt: '2026-11-20T17:00:00.000Z',
      effectiveAt: '2026-11-20T17:00:00.000Z',
      completedAt: '2026-11-20T17:02:00.000Z',
      deadline: '2026-11-20T18:00:00.000Z',
    })
    .plan('evt-5-term', 'leaver', '2026-11-20T17:00:00.000Z', { crm: [] })
    .deprovisioned('evt-5-term', 'crm', '2026-11-20T17:01:00.000Z', { revoked: ['crm-users'] });
  for (const record of ada.records) await store.append(record);
  api = await startApi(store);
});

after(async () => {
  await api?.close();
  await store?.close();
  await pglite.stop();
  if (savedPublicKey === undefined) delete process.env.JML_EVIDENCE_PUBLIC_KEY;
  else process.env.JML_EVIDENCE_PUBLIC_KEY = savedPublicKey;
});

const throughApi = /held by the running jml, process \d+: read through its API, GET \/v1\/evidence/;

void test('while jml holds the embedded store, certificate, export, report and verify come through its API', async () => {
  const out = join(fixture.cliEnv.JML_DATA_DIR!, 'E5001.html');
  const leaver = await jml(['evidence', 'leaver', 'E5001'], cliEnv());
  assert.equal(leaver.code, 0, leaver.stderr);
  assert.match(leaver.stderr, throughApi);
  const certificate = JSON.parse(leaver.stdout) as LeaverCertificate;
  assert.equal(certificate.status, 'verified');
  assert.equal(certificate.applications[0]?.appId, 'crm');

  const html = await jml(['evidence', 'leaver', 'E5001', '--format', 'html', '--out', out], cliEnv());
  assert.equal(html.code, 0, html.stderr);
  assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/);

  const csv = await jml(['evidence', 'export', '--from', '2026-11-01', '--to', '2026-11-30'], cliEnv());
  assert.equal(csv.code, 0, csv.stderr);
  assert.deepEqual(
    csv.stdout.split('\r\n').map((line) => line.split(',').slice(0, 3).join(' ')),
    ['employeeId step eventId', 'E5001 leaver evt-5-term', ''],
  );

  const report = await jml(['report', '--from', '2026-11-01', '--to', '2026-11-30'], cliEnv());
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^steps: 0 joiner\(s\), 0 mover\(s\), 1 leaver\(s\)$/m);
  assert.match(report.stdout, /the running jml \(its API\)/);

  const verify = await jml(['audit', 'verify', '--json'], cliEnv());
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stderr, throughApi);
  const verified = JSON.parse(verify.stdout) as VerifyReport & { store: string };
  assert.deepEqual(
    { intact: verified.intact, chains: verified.chains, records: verified.records, store: verified.store },
    { intact: true, chains: 1, records: 4, store: 'the running jml (its API)' },
  );
});

void test('with no API to ask, a held store still exits 3 and says both why', async () => {
  const run = await jml(['audit', 'verify'], { ...cliEnv(), JML_URL: 'http://127.0.0.1:1' });
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.match(run.stderr, /is open in process \d+ .*PGlite allows one process at a time/);
  assert.match(
    run.stderr,
    /and its API cannot answer instead: cannot reach the jml API at http:\/\/127\.0\.0\.1:1/,
  );
});

void test('a record edited by hand while jml was stopped is named through the running jml, exit 1', async () => {
  await api.close();
  await store.close();
  const [, second] = await (async () => {
    const raw = await fixture.raw();
    try {
      return await raw.query<{ id: string }>('SELECT id FROM evidence_records ORDER BY seq');
    } finally {
      await raw.close();
    }
  })();
  await tamper(fixture, (sql) =>
    sql(`UPDATE evidence_records SET body = jsonb_set(body, '{source}', '"forged"') WHERE id = $1`, [
      second!.id,
    ]),
  );
  store = await fixture.open();
  api = await startApi(store);
  const verify = await jml(['audit', 'verify'], cliEnv());
  assert.equal(verify.code, 1, verify.stdout + verify.stderr);
  assert.match(verify.stdout, new RegExp(`employee:E5001 seq 2: edited: record ${second!.id} `));
});
