// Certificates, exports and reports from a real evidence store, on both backends (embedded PGlite
// and a PostgreSQL server): records appended with EvidenceStore.append in the shapes the steps write,
// then read through the queries, the HTTP API (GET /v1/evidence, /v1/evidence/leavers/…) and the
// `jml evidence` and `jml report` commands, with their formats and exit codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { issuePersonalToken } from '../../api/personal-token';
import type { LeaverCertificate } from '../../domain/leaver-certificate';
import { EXPORT_COLUMNS } from '../../domain/period-export';
import { certificateOf, exportOf, periodSteps, reportOf } from '../../evidence/queries';
import type { EvidenceStore } from '../../evidence/store';
import { evidenceApi } from '../support/evidence-api';
import { EVIDENCE_BACKENDS, type EvidenceFixture } from '../support/evidence-backends';
import { PersonRecords } from '../support/step-records';
import { jml, type Run } from '../unit/cli-run';

const API_TOKEN = 'evidence-api-token';
const PERSONAL_SECRET = 'evidence-personal-secret';
const NOVEMBER = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };
const NOW = new Date('2026-12-01T12:00:00Z');

/** An instant on a November day of 2026: `nov(20, '17:00')`, plus `minutes`. */
const nov = (day: number, time: string, minutes = 0) =>
  new Date(
    Date.parse(`2026-11-${String(day).padStart(2, '0')}T${time}:00Z`) + minutes * 60_000,
  ).toISOString();

/** Ada joins and leaves cleanly in November; Grace leaves with a late attestation and a skip; Linus joined in October. */
function people(): PersonRecords[] {
  const ada = new PersonRecords('E2001', 'run-ada')
    .event('evt-a-hire', 'joiner', { receivedAt: nov(2, '09:00'), completedAt: nov(2, '09:00', 5) })
    .plan('evt-a-hire', 'joiner', nov(2, '09:00'), { crm: ['crm-users'], wiki: ['staff'] })
    .provisioned('evt-a-hire', 'joiner', 'crm', nov(2, '09:00', 4), ['crm-users'])
    .provisioned('evt-a-hire', 'joiner', 'wiki', nov(2, '09:00', 5), ['staff'])
    .event('evt-a-term', 'leaver', {
      receivedAt: nov(20, '17:00'),
      effectiveAt: nov(20, '17:00'),
      completedAt: nov(20, '17:00', 2),
      deadline: nov(20, '18:00'),
    })
    .plan('evt-a-term', 'leaver', nov(20, '17:00'), { crm: [], wiki: [] })
    .deprovisioned('evt-a-term', 'crm', nov(20, '17:00', 1), { revoked: ['crm-users'], sessionsEnded: 2 })
    .deprovisioned('evt-a-term', 'wiki', nov(20, '17:00', 2), { revoked: ['staff'], deleted: true });
  const grace = new PersonRecords('E2002', 'run-grace')
    .event('evt-g-term', 'leaver', {
      receivedAt: nov(21, '10:00'),
      effectiveAt: nov(21, '10:00'),
      completedAt: nov(21, '13:00'),
      deadline: nov(21, '11:00'),
    })
    .plan('evt-g-term', 'leaver', nov(21, '10:00'), { crm: [], badge: [], sso: [] })
    .deprovisioned('evt-g-term', 'crm', nov(21, '10:00', 1), { revoked: ['crm-admins'] })
    .task('evt-g-term', 'badge', 'task-g-1-E2002', nov(21, '10:00'), nov(22, '10:00'))
    .deprovisioned('evt-g-term', 'badge', nov(21, '13:00'), {
      evidence: 'attestation',
      revoked: ['badge-nyc'],
    })
    .attested('evt-g-term', 'badge', 'task-g-1-E2002', 'E0500', nov(21, '13:00'), 'badge returned')
    .attention('evt-g-term', 'leaver', 'sso', 'failing', nov(21, '10:05'))
    .override('evt-g-term', 'leaver', 'sso', 'skip', nov(21, '10:30'), 'Keycloak down for maintenance');
  const linus = new PersonRecords('E2003', 'run-linus')
    .event('evt-l-hire', 'joiner', {
      receivedAt: '2026-10-15T09:00:00.000Z',
      completedAt: '2026-10-15T09:01:00.000Z',
    })
    .provisioned('evt-l-hire', 'joiner', 'crm', '2026-10-15T09:01:00.000Z', ['crm-users']);
  return [ada, grace, linus];
}

const apiOver = (store: Pick<EvidenceStore, 'reader' | 'publicKey'> | undefined) =>
  evidenceApi(store, { apiToken: API_TOKEN, personalTokenSecret: PERSONAL_SECRET });

const bearer = { authorization: `Bearer ${API_TOKEN}` };
const get = (app: FastifyInstance, url: string, headers: Record<string, string> = bearer) =>
  app.inject({ method: 'GET', url, headers });

/** Commands run one at a time: the embedded store admits one process, readers too. */
async function oneAfterAnother<T extends string[][]>(
  commands: [...T],
  env: Record<string, string>,
): Promise<{ [K in keyof T]: Run }> {
  const runs: Run[] = [];
  for (const args of commands) runs.push(await jml(args, env));
  return runs as { [K in keyof T]: Run };
}

/** A certificate as compared across doors: `generatedAt` is when it was made, and open deadlines count from then. */
function comparable(cert: LeaverCertificate) {
  return { ...cert, generatedAt: undefined };
}

for (const backend of EVIDENCE_BACKENDS) {
  void describe(`certificates, exports and reports on ${backend.name}`, () => {
    let fixture: EvidenceFixture;
    let store: EvidenceStore | undefined;
    let scratch: string;

    before(async () => {
      await backend.start();
      fixture = await backend.fresh();
      scratch = mkdtempSync(join(tmpdir(), 'jml-evidence-out-'));
      store = await fixture.open();
      for (const person of people()) for (const record of person.records) await store.append(record);
    });
    after(async () => {
      await store?.close();
      await backend.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    void test("the queries find a period's steps and a person's leaver", async () => {
      const batches = [];
      for await (const steps of periodSteps(store!.reader, NOVEMBER, 1)) batches.push(steps);
      assert.deepEqual(
        batches.map((steps) => steps.map((s) => `${s.employeeId} ${s.eventId}`)),
        [['E2001 evt-a-hire', 'E2001 evt-a-term'], ['E2002 evt-g-term']],
        'one person per batch here; Linus joined in October',
      );
      const rows = await exportOf(store!.reader, NOVEMBER, NOW);
      assert.deepEqual(
        rows.map((r) => [r.eventId, r.durationMs, r.deadlineStatus ?? null]),
        [
          ['evt-a-hire', 5 * 60_000, null],
          ['evt-a-term', 2 * 60_000, 'met'],
          ['evt-g-term', undefined, 'overdue'],
        ],
      );
      const ada = await certificateOf(store!.reader, 'E2001', { now: NOW });
      assert.equal(ada.status, 'verified');
      assert.deepEqual(
        ada.evidence.records.map((r) => r.seq),
        [7, 8, 9, 10, 11, 12],
        "the leaver's records by their numbers in Ada's chain",
      );
      assert.ok(ada.evidence.records.every((r) => /^[0-9a-f]{64}$/.test(r.hash ?? '')));
      const report = await reportOf(store!.reader, NOVEMBER, NOW);
      assert.deepEqual(report.steps, { joiner: 1, mover: 0, leaver: 2 });
      assert.equal(report.openFollowUps.length, 1);
    });

    void test('GET /v1/evidence: the export as JSON and as CSV, for the API token only', async () => {
      const { app, close } = await apiOver(store);
      try {
        const json = await get(app, '/v1/evidence?from=2026-11-01&to=2026-11-30');
        assert.equal(json.statusCode, 200, json.body);
        const body = json.json<{ from: string; to: string; rows: { eventId: string }[] }>();
        assert.deepEqual([body.from, body.to], ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']);
        assert.deepEqual(
          body.rows.map((r) => r.eventId),
          ['evt-a-hire', 'evt-a-term', 'evt-g-term'],
        );

        const csv = await get(app, '/v1/evidence?from=2026-11-01&to=2026-11-30&format=csv');
        assert.equal(csv.statusCode, 200);
        assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
        assert.match(
          String(csv.headers['content-disposition']),
          /attachment; filename="jml-evidence-20261101T000000Z-20261201T000000Z\.csv"/,
        );
        const lines = csv.body.split('\r\n');
        assert.equal(lines[0], EXPORT_COLUMNS.join(','));
        assert.equal(lines.length, 5, 'a header, three rows and the final line end');
        assert.match(lines[2]!, /^E2001,leaver,evt-a-term,terminate,completed,/);

        const oneDay = await get(app, '/v1/evidence?from=2026-11-20&to=2026-11-20');
        assert.deepEqual(
          oneDay.json<{ rows: { eventId: string }[] }>().rows.map((r) => r.eventId),
          ['evt-a-term'],
          '`to` as a date takes in the whole day',
        );
        const inverted = await get(app, '/v1/evidence?from=2026-11-30&to=2026-11-01');
        assert.equal(inverted.statusCode, 200);
        assert.deepEqual(
          inverted.json<{ rows: unknown[] }>().rows,
          [],
          'a period ending before it starts holds nothing',
        );

        const bad = await get(app, '/v1/evidence?from=2026-11-31&to=2026-12-01');
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json<{ error: string }>().error, 'invalid_query');
        assert.deepEqual(
          bad.json<{ problems: { path: string }[] }>().problems.map((p) => p.path),
          ['from'],
        );
        assert.equal((await get(app, '/v1/evidence?from=2026-11-01&to=2026-11-30', {})).statusCode, 401);
        const personal = issuePersonalToken('E0001', PERSONAL_SECRET, 60_000);
        const refused = await get(app, '/v1/evidence?from=2026-11-01&to=2026-11-30', {
          authorization: `Bearer ${personal}`,
        });
        assert.equal(refused.statusCode, 403);
      } finally {
        await close();
      }
    });

    void test('GET /v1/evidence/leavers/:employeeId: the certificate as JSON and as HTML; 404 when there is none', async () => {
      const { app, close } = await apiOver(store);
      try {
        const grace = await get(app, '/v1/evidence/leavers/E2002');
        assert.equal(grace.statusCode, 200, grace.body);
        const cert = grace.json<LeaverCertificate>();
        assert.equal(cert.status, 'incomplete');
        assert.deepEqual(
          cert.applications.map((a) => [a.appId, a.outcome]),
          [
            ['badge', 'verified'],
            ['crm', 'verified'],
            ['sso', 'skipped'],
          ],
        );
        assert.equal(cert.applications[0]!.attestation?.by, 'E0500');
        assert.deepEqual(cert.applications[0]!.deadline, {
          at: nov(21, '11:00'),
          status: 'late',
          lateByMs: 2 * 3_600_000,
        });

        const page = await get(app, '/v1/evidence/leavers/E2002?format=html');
        assert.equal(page.statusCode, 200);
        assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
        assert.match(page.body, /data-app="sso"\s+data-outcome="skipped"/);

        const byEvent = await get(app, '/v1/evidence/leavers/E2001?event=evt-a-term');
        assert.equal(byEvent.json<LeaverCertificate>().eventId, 'evt-a-term');
        const hire = await get(app, '/v1/evidence/leavers/E2001?event=evt-a-hire');
        assert.equal(hire.statusCode, 404);
        assert.match(hire.json<{ message: string }>().message, /started a joiner, not a leaver/);
        const linus = await get(app, '/v1/evidence/leavers/E2003');
        assert.equal(linus.statusCode, 404);
        assert.equal(linus.json<{ error: string }>().error, 'not_found');
        const badId = await get(app, '/v1/evidence/leavers/not%20an%20id');
        assert.equal(badId.json<{ error: string }>().error, 'invalid_employee_id');
      } finally {
        await close();
      }
    });

    void test('without a store in the process the evidence routes answer 503 with Retry-After', async () => {
      const { app, close } = await apiOver(undefined);
      try {
        const answer = await get(app, '/v1/evidence/leavers/E2001');
        assert.equal(answer.statusCode, 503);
        assert.equal(answer.headers['retry-after'], '5');
        assert.equal(answer.json<{ error: string }>().error, 'evidence_unavailable');
      } finally {
        await close();
      }
    });

    void test('jml evidence leaver: JSON, an HTML file, and exit 1 for no leaver', async () => {
      const api = await certificateOf(store!.reader, 'E2001', { now: NOW });
      // The embedded store belongs to one process: the CLI opens it once the test has let go.
      await store!.close();
      store = undefined;
      const out = join(scratch, 'E2002.html');
      const [json, html, none, unknownEvent] = await oneAfterAnother(
        [
          ['evidence', 'leaver', 'E2001'],
          ['evidence', 'leaver', 'E2002', '--format', 'html', '--out', out],
          ['evidence', 'leaver', 'E2003'],
          ['evidence', 'leaver', 'E2001', '--event', 'evt-nope'],
        ],
        fixture.cliEnv,
      );
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(comparable(JSON.parse(json.stdout) as LeaverCertificate), comparable(api));
      assert.equal(html.code, 0, html.stderr);
      assert.equal(html.stdout, '');
      assert.match(html.stderr, /wrote the HTML certificate of E2002's leaver evt-g-term \(incomplete\) to /);
      assert.match(readFileSync(out, 'utf8'), /^<!doctype html>[\s\S]*SKIPPED — not verified by this leaver/);
      assert.equal(none.code, 1);
      assert.match(
        none.stderr,
        /^jml: no leaver of E2003 is recorded \(a leaver's evidence is written when it settles/m,
      );
      assert.equal(unknownEvent.code, 1);
      assert.match(unknownEvent.stderr, /no step of E2001 was started by HR event evt-nope/);
    });

    void test('jml evidence export and jml report: formats, bad dates (exit 2) and an unreachable store (exit 3)', async () => {
      const [csv, json, text, figures, badDate, inverted, badFormat] = await oneAfterAnother(
        [
          ['evidence', 'export', '--from', '2026-11-01', '--to', '2026-11-30'],
          ['evidence', 'export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'json'],
          ['report', '--from', '2026-11-01', '--to', '2026-11-30'],
          ['report', '--from', '2026-11-01', '--to', '2026-11-30', '--json'],
          ['report', '--from', '2026-11-01', '--to', 'yesterday'],
          ['evidence', 'export', '--from', '2026-11-30', '--to', '2026-11-01'],
          ['evidence', 'export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'xml'],
        ],
        fixture.cliEnv,
      );
      assert.equal(csv.code, 0, csv.stderr);
      assert.deepEqual(
        csv.stdout.split('\r\n').map((line) => line.split(',').slice(0, 3).join(' ')),
        [
          'employeeId step eventId',
          'E2001 joiner evt-a-hire',
          'E2001 leaver evt-a-term',
          'E2002 leaver evt-g-term',
          '',
        ],
      );
      assert.equal(json.code, 0, json.stderr);
      assert.equal((JSON.parse(json.stdout) as { rows: unknown[] }).rows.length, 3);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^steps: 1 joiner\(s\), 0 mover\(s\), 2 leaver\(s\)$/m);
      assert.match(text.stdout, /^deprovision \(leaver\) +1 +1 +2m +2m +2m$/m);
      assert.match(text.stdout, /^leavers against the deadline: 1 met, 0 late, 1 overdue/m);
      assert.match(
        text.stdout,
        /^ {2}E2002 +evt-g-term +sso +E0042 \(API token\) .*Keycloak down for maintenance$/m,
      );
      assert.equal(figures.code, 0, figures.stderr);
      const report = JSON.parse(figures.stdout) as {
        verificationFailures: Record<string, { failing: number }>;
      };
      assert.equal(report.verificationFailures.sso?.failing, 1);
      assert.equal(badDate.code, 2);
      assert.match(badDate.stderr, /option '--to <date>' argument 'yesterday' is invalid\. must be a date/);
      assert.equal(inverted.code, 2);
      assert.match(inverted.stderr, /^jml: --to must not be before --from$/m);
      assert.equal(badFormat.code, 2);
      assert.match(badFormat.stderr, /--format <format>' argument 'xml' is invalid/);

      const gone: Record<string, string> =
        fixture.location.kind === 'pglite'
          ? { JML_DATA_DIR: join(scratch, 'no-store-here') }
          : { JML_EVIDENCE_URL: 'postgres://jml@127.0.0.1:1/evidence' };
      const unreachable = await jml(['report', '--from', '2026-11-01', '--to', '2026-11-30'], {
        ...fixture.cliEnv,
        ...gone,
      });
      assert.equal(unreachable.code, 3, unreachable.stderr);
      assert.match(unreachable.stderr, /evidence store/);
    });

    void test('reading changed nothing: the chains still verify', async () => {
      const verify = await jml(['audit', 'verify'], fixture.cliEnv);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /^evidence intact: 3 chains, 25 records/);
    });
  });
}
