// The evidence store against both backends, embedded PGlite and a real PostgreSQL server, in one
// suite: appending (chains, idempotency, concurrency), the append-only schema, the activity, and
// tamper evidence — the database is changed directly with SQL, behind jml's back, and verifyChains
// and `jml audit verify` must name the exact record and exit 1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { EVIDENCE_CONFLICT, evidenceActivities, INVALID_EVIDENCE } from '../../activities/evidence';
import { chainIdFor, type EvidenceInput } from '../../domain/evidence-record';
import { EvidenceConflictError, EvidenceInputError } from '../../evidence/errors';
import { MIGRATIONS } from '../../evidence/migrations';
import { GENESIS_HASH, recordHash } from '../../evidence/record-hash';
import { openForVerify, verifyChains, type VerifyReport } from '../../evidence/verify';
import { EVIDENCE_BACKENDS, tamper, type EvidenceFixture } from '../support/evidence-backends';
import { decision, decisions, withStore } from '../support/evidence-records';
import { TAMPER_CASES, type ExpectedProblem } from '../support/evidence-tampering';
import { jml, type Run } from '../unit/cli-run';

async function verifyNow(fixture: EvidenceFixture, window: { from?: Date; to?: Date } = {}) {
  const sql = await openForVerify(fixture.location);
  try {
    return await verifyChains(sql, { ...window, publicKeys: [fixture.publicKey] });
  } finally {
    await sql.close();
  }
}

const refusedAs = (type: string) => (error: unknown) =>
  error instanceof ApplicationFailure && error.type === type && error.nonRetryable === true;

for (const backend of EVIDENCE_BACKENDS) {
  void describe(`evidence store on ${backend.name}`, () => {
    before(() => backend.start());
    after(() => backend.stop());

    void describe('appending', () => {
      // One store for these tests, a person (chain) for each; none tampers, so it verifies intact at the end.
      let fixture: EvidenceFixture;
      before(async () => {
        fixture = await backend.fresh();
      });

      void test('one chain per person, numbered from 1, each record linked to the one before and signed', async () => {
        const [ada, grace] = await withStore(fixture, async (store) => [
          await decisions(store, 'E1001', 5),
          await decisions(store, 'E1002', 2),
        ]);
        assert.deepEqual(
          ada.map((r) => [r.chainId, r.seq]),
          [1, 2, 3, 4, 5].map((seq) => ['employee:E1001', seq]),
        );
        assert.deepEqual(
          grace.map((r) => [r.chainId, r.seq]),
          [1, 2].map((seq) => ['employee:E1002', seq]),
        );
        assert.equal(ada[0]!.prevHash, GENESIS_HASH);
        for (let i = 1; i < ada.length; i += 1) assert.equal(ada[i]!.prevHash, ada[i - 1]!.hash);
        for (const record of ada)
          assert.equal(recordHash(record), record.hash, `record ${record.seq} hashes to its hash`);
        const raw = await fixture.raw();
        try {
          const signed = await raw.query<{ seq: string; hash: string }>(
            `SELECT up_to_seq::text AS seq, hash FROM evidence_checkpoints WHERE chain_id = 'employee:E1001'
              ORDER BY up_to_seq`,
          );
          assert.deepEqual(
            signed,
            ada.map((r) => ({ seq: String(r.seq), hash: r.hash })),
            'every append is signed as the chain head',
          );
          const [head] = await raw.query<{ seq: string; hash: string }>(
            `SELECT head_seq::text AS seq, head_hash AS hash FROM evidence_chains WHERE chain_id = 'employee:E1001'`,
          );
          assert.deepEqual(head, { seq: '5', hash: ada[4]!.hash });
        } finally {
          await raw.close();
        }
      });

      void test('the same key again returns the first record and writes nothing, also after the store is reopened', async () => {
        const first = await withStore(fixture, (store) => store.append(decision('E2001', 1)));
        assert.equal(first.duplicate, false);
        const again = await withStore(fixture, async (store) => [
          await store.append(decision('E2001', 1)),
          await store.append(decision('E2001', 1)),
        ]);
        for (const repeat of again) assert.deepEqual(repeat, { record: first.record, duplicate: true });
        assert.equal((await withStore(fixture, (store) => store.chainOf('E2001'))).length, 1);
      });

      void test('the same key with other content is refused, naming what differs, and nothing is written', async () => {
        await withStore(fixture, async (store) => {
          const original = decision('E2002', 1);
          await store.append(original);
          const conflict = (fields: string) => (error: unknown) =>
            error instanceof EvidenceConflictError && error.fields.join() === fields;
          await assert.rejects(
            store.append({ ...original, body: { ...original.body, approve: false } }),
            conflict('body'),
          );
          await assert.rejects(
            store.append({ ...original, occurredAt: '2026-12-02T00:00:00Z', appId: 'wiki' }),
            conflict('appId,occurredAt'),
          );
          // The key is in E2002's chain: recording it for someone else is a conflict, not a second record.
          await assert.rejects(store.append({ ...original, employeeId: 'E2012' }), conflict('employeeId'));
          assert.equal((await store.chainOf('E2002')).length, 1);
          assert.equal((await store.chainOf('E2012')).length, 0);
        });
      });

      void test('an invalid record is refused with each problem at its path, and nothing is written', async () => {
        await withStore(fixture, async (store) => {
          const record = decision('E2003', 1);
          await assert.rejects(
            store.append({ ...record, kind: 'hr-event' }),
            (error: unknown) =>
              error instanceof EvidenceInputError &&
              error.problems.some((p) => p.path === 'body.eventId') &&
              error.problems.some((p) => p.path === 'body' && /requestId/.test(p.message)),
          );
          await assert.rejects(
            store.append({ ...record, key: 'has a space', employeeId: 'E 3' }),
            (error: unknown) =>
              error instanceof EvidenceInputError &&
              error.problems.map((p) => p.path).join() === 'key,employeeId',
          );
          assert.equal((await store.chainOf('E2003')).length, 0);
        });
      });

      void test('recordEvidenceBatch: one invalid record writes none; otherwise each is chained and signed, repeats recognised', async () => {
        await withStore(fixture, async (store) => {
          const { recordEvidenceBatch } = evidenceActivities(store);
          const batch = [decision('E2006', 1), decision('E2007', 1), decision('E2006', 2)];
          await assert.rejects(
            store.appendAll([...batch, { ...decision('E2006', 3), occurredAt: 'yesterday' }]),
            (error: unknown) =>
              error instanceof EvidenceInputError && error.problems.some((p) => p.path === '[3].occurredAt'),
          );
          assert.equal((await store.chainOf('E2006')).length, 0, 'nothing of the refused batch was written');
          assert.deepEqual(await recordEvidenceBatch(batch), { written: 3, duplicates: 0 });
          // A retried batch (its first part written before a failure) writes only what is new.
          assert.deepEqual(await recordEvidenceBatch([...batch, decision('E2006', 3)]), {
            written: 1,
            duplicates: 3,
          });
          const chain = await store.chainOf('E2006');
          assert.deepEqual(
            chain.map((r) => r.seq),
            [1, 2, 3],
          );
          for (let i = 1; i < chain.length; i += 1) assert.equal(chain[i]!.prevHash, chain[i - 1]!.hash);
        });
        const raw = await fixture.raw();
        try {
          const signed = await raw.query<{ seq: string }>(
            `SELECT up_to_seq::text AS seq FROM evidence_checkpoints WHERE chain_id = 'employee:E2006' ORDER BY up_to_seq`,
          );
          assert.deepEqual(
            signed.map((c) => c.seq),
            ['1', '2', '3'],
            'every record of a batch is signed as the chain head it made',
          );
        } finally {
          await raw.close();
        }
      });

      void test('appends in parallel to one chain (from two stores at once on PostgreSQL): no gaps, no duplicates', async () => {
        // PGlite is one process's store; PostgreSQL takes several writers, as two workers are.
        const stores = await Promise.all(
          (backend.name === 'PGlite' ? [1] : [1, 2]).map(() => fixture.open()),
        );
        try {
          const writer = (i: number) => stores[i % stores.length]!;
          const distinct = Array.from({ length: 40 }, (_, i) => writer(i).append(decision('E2004', i + 1)));
          // One record from ten retries at once: one writes it, nine get it back.
          const repeats = Array.from({ length: 10 }, (_, i) => writer(i).append(decision('E2004', 1000)));
          const results = await Promise.all([...distinct, ...repeats]);
          assert.equal(results.filter((r) => !r.duplicate).length, 41);
          assert.equal(
            new Set(results.slice(40).map((r) => r.record.id)).size,
            1,
            'every repeat is the one record',
          );
          const chain = await writer(0).chainOf('E2004');
          assert.deepEqual(
            chain.map((r) => r.seq),
            Array.from({ length: 41 }, (_, i) => i + 1),
          );
          for (let i = 1; i < chain.length; i += 1) assert.equal(chain[i]!.prevHash, chain[i - 1]!.hash);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      });

      void test('recordEvidence: records once by key; a reused key or an invalid record fails for good', async () => {
        await withStore(fixture, async (store) => {
          const { recordEvidence } = evidenceActivities(store);
          const record = decision('E2005', 1);
          const first = await recordEvidence(record);
          assert.deepEqual(
            { chainId: first.chainId, seq: first.seq, duplicate: first.duplicate },
            { chainId: chainIdFor('E2005'), seq: 1, duplicate: false },
          );
          assert.deepEqual(await recordEvidence(record), { ...first, duplicate: true });
          await assert.rejects(
            recordEvidence({ ...record, body: { ...record.body, approve: false } } as EvidenceInput),
            refusedAs(EVIDENCE_CONFLICT),
          );
          await assert.rejects(
            recordEvidence({ ...record, occurredAt: 'yesterday' }),
            refusedAs(INVALID_EVIDENCE),
          );
        });
      });

      void test('the schema is migrated once, and the database itself refuses to change or remove evidence', async () => {
        const raw = await fixture.raw();
        try {
          const migrations = await raw.query<{ version: number }>('SELECT version FROM evidence_migrations');
          assert.deepEqual(
            migrations.map((m) => Number(m.version)).sort((a, b) => a - b),
            MIGRATIONS.map((m) => m.version),
            'each migration applied once, in order',
          );
          for (const statement of [
            `UPDATE evidence_records SET kind = 'override'`,
            `DELETE FROM evidence_records WHERE chain_id = 'employee:E1001' AND seq = 5`,
            'TRUNCATE evidence_records',
            'DELETE FROM evidence_checkpoints',
            `UPDATE evidence_checkpoints SET hash = ''`,
          ]) {
            await assert.rejects(raw.query(statement), /evidence is append-only/, statement);
          }
        } finally {
          await raw.close();
        }
      });

      void test('all of it verifies intact: verifyChains, and jml audit verify exits 0', async () => {
        const report = await verifyNow(fixture);
        // E1001 5, E1002 2, E2001 1, E2002 1, E2004 41, E2005 1, E2006 3, E2007 1: chains of refused records are not started.
        assert.deepEqual(
          {
            intact: report.intact,
            chains: report.chains,
            records: report.records,
            checkpoints: report.checkpoints,
          },
          { intact: true, chains: 8, records: 55, checkpoints: 55 },
          JSON.stringify(report.problems),
        );
        const run = await jml(['audit', 'verify'], fixture.cliEnv);
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /^evidence intact: 8 chains, 55 records, 55 checkpoints verified in /);
        const json = await jml(['audit', 'verify', '--json'], fixture.cliEnv);
        assert.equal(json.code, 0, json.stderr);
        const parsed = JSON.parse(json.stdout) as VerifyReport;
        assert.deepEqual(
          { intact: parsed.intact, problems: parsed.problems },
          { intact: true, problems: [] },
        );
      });

      void test('jml audit public-key prints the key auditors verify with; a key they do not trust fails', async () => {
        const signingKey = fixture.signingKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const printed = await jml(['audit', 'public-key'], {
          ...fixture.cliEnv,
          JML_EVIDENCE_SIGNING_KEY: signingKey,
        });
        assert.equal(printed.code, 0, printed.stderr);
        assert.equal(printed.stdout.trim(), fixture.cliEnv.JML_EVIDENCE_PUBLIC_KEY);
        // Without a public key, the signing key's public half is used (a developer's machine).
        const derived = await jml(['audit', 'verify'], {
          ...fixture.cliEnv,
          JML_EVIDENCE_PUBLIC_KEY: '',
          JML_EVIDENCE_SIGNING_KEY: signingKey,
        });
        assert.equal(derived.code, 0, derived.stderr);
        const otherKey = generateKeyPairSync('ed25519')
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString();
        const untrusted = await jml(['audit', 'verify'], {
          ...fixture.cliEnv,
          JML_EVIDENCE_PUBLIC_KEY: otherKey,
        });
        assert.equal(
          untrusted.code,
          1,
          'checkpoints signed by a key the auditor does not trust are not accepted',
        );
        assert.match(untrusted.stdout, /forged-checkpoint: .* not among the trusted public keys/);
      });
    });

    void describe('tampered with directly in the database', () => {
      // One store, a chain of five records for each way of tampering, and one chain left alone.
      let fixture: EvidenceFixture;
      const expected = new Map<string, ExpectedProblem>();
      let report: VerifyReport;
      let cli: Run;
      before(async () => {
        fixture = await backend.fresh();
        const chains = await withStore(fixture, async (store) => {
          await decisions(store, 'E3000', 5);
          const made = [];
          for (const c of TAMPER_CASES) made.push(await decisions(store, c.employeeId, 5));
          return made;
        });
        for (const [i, c] of TAMPER_CASES.entries())
          expected.set(c.employeeId, await c.apply(fixture, chains[i]!));
        report = await verifyNow(fixture);
        cli = await jml(['audit', 'verify'], fixture.cliEnv);
      });

      void test('verify reports one problem in each tampered chain and none in the chain left alone; the CLI exits 1', () => {
        assert.equal(report.intact, false);
        assert.equal(report.chains, TAMPER_CASES.length + 1);
        assert.deepEqual(
          report.problems.map((p) => p.chainId),
          TAMPER_CASES.map((c) => chainIdFor(c.employeeId)),
        );
        assert.equal(cli.code, 1, `${cli.stdout}\n${cli.stderr}`);
        assert.match(
          cli.stdout,
          new RegExp(
            `^evidence NOT intact: a problem in ${TAMPER_CASES.length} of ${TAMPER_CASES.length + 1} chains`,
          ),
        );
        assert.ok(!cli.stdout.includes('employee:E3000'), 'the untouched chain is not named');
      });

      for (const c of TAMPER_CASES) {
        void test(c.name, () => {
          const want = expected.get(c.employeeId)!;
          const problem = report.problems.find((p) => p.chainId === chainIdFor(c.employeeId));
          assert.ok(problem, `a problem in ${c.employeeId}'s chain`);
          assert.deepEqual(
            { kind: problem.kind, seq: problem.seq, recordId: problem.recordId },
            { kind: want.kind, seq: want.seq, recordId: want.recordId },
            problem.message,
          );
          assert.match(problem.message, want.message);
          if (want.recordId) assert.ok(problem.message.includes(`record ${want.recordId}`), problem.message);
          const line = `  ${problem.chainId} seq ${problem.seq}: ${problem.kind}: ${problem.message}`;
          assert.ok(cli.stdout.split('\n').includes(line), `jml audit verify prints\n${line}\n${cli.stdout}`);
        });
      }
    });

    void test('--from and --to verify a window: what lies outside it is not walked', async () => {
      const fixture = await backend.fresh();
      const early = await withStore(fixture, (store) => decisions(store, 'E4001', 3));
      // The clock moves on between the two batches, so that a time lies between them.
      await sleep(20);
      const late = await withStore(fixture, async (store) => {
        for (let n = 4; n <= 6; n += 1) await store.append(decision('E4001', n));
        return (await store.chainOf('E4001')).slice(3);
      });
      const split = new Date(Date.parse(late[0]!.recordedAt) - 5);
      assert.ok(split.getTime() > Date.parse(early[2]!.recordedAt));
      // Record 2 edited: before the window that starts at record 4 (record 3, its anchor, still fits).
      await tamper(fixture, (sql) =>
        sql(`UPDATE evidence_records SET body = jsonb_set(body, '{approve}', 'false') WHERE id = $1`, [
          early[1]!.id,
        ]),
      );
      const windowed = await verifyNow(fixture, { from: split });
      assert.deepEqual({ intact: windowed.intact, records: windowed.records }, { intact: true, records: 4 });
      const from = await jml(['audit', 'verify', '--from', split.toISOString()], fixture.cliEnv);
      assert.equal(from.code, 0, `${from.stdout}\n${from.stderr}`);
      assert.match(from.stdout, /^evidence intact: 1 chain, 4 records, 4 checkpoints \(from /);
      const upTo = await jml(['audit', 'verify', '--to', split.toISOString()], fixture.cliEnv);
      assert.equal(upTo.code, 1, 'the window up to the split holds record 2');
      assert.match(upTo.stdout, new RegExp(`employee:E4001 seq 2: edited: record ${early[1]!.id} `));
    });

    if (backend.name === 'PGlite') {
      void test('a store that is not there, or that another process holds open, exits 3', async () => {
        const fixture = await backend.fresh();
        const missing = await jml(['audit', 'verify'], {
          ...fixture.cliEnv,
          JML_DATA_DIR: `${fixture.cliEnv.JML_DATA_DIR}-none`,
        });
        assert.equal(missing.code, 3);
        assert.match(missing.stderr, /there is no evidence store in .*-none\/evidence/);
        const store = await fixture.open();
        try {
          const held = await jml(['audit', 'verify'], fixture.cliEnv);
          assert.equal(held.code, 3);
          assert.match(
            held.stderr,
            new RegExp(`is open in process ${process.pid} .*PGlite allows one process at a time`),
          );
        } finally {
          await store.close();
        }
        assert.equal((await jml(['audit', 'verify'], fixture.cliEnv)).code, 0, 'once closed, it verifies');
      });
    } else {
      void test('a server that does not answer exits 3, without printing the password', async () => {
        const fixture = await backend.fresh();
        const refused = await jml(['audit', 'verify'], {
          ...fixture.cliEnv,
          JML_EVIDENCE_URL: 'postgres://auditor:secret-password@127.0.0.1:1/evidence',
        });
        assert.equal(refused.code, 3);
        assert.match(
          refused.stderr,
          /the evidence store postgres:\/\/auditor:\*\*\*@127\.0\.0\.1:1\/evidence cannot be reached/,
        );
        assert.ok(!refused.stderr.includes('secret-password'));
      });
    }
  });
}

void test('jml audit verify: bad dates, keys and URLs exit 2 and name the problem', async () => {
  const env = {
    JML_DATA_DIR: '/nonexistent/jml-evidence',
    JML_EVIDENCE_URL: '',
    JML_EVIDENCE_SIGNING_KEY: '',
  };
  const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ['--from', 'yesterday'],
      { JML_EVIDENCE_PUBLIC_KEY: key },
      /--from.*must be a date \(2026-11-01\) or a date and time/,
    ],
    [
      ['--from', '2026-12-01', '--to', '2026-11-01'],
      { JML_EVIDENCE_PUBLIC_KEY: key },
      /--from must be before --to/,
    ],
    [[], { JML_EVIDENCE_PUBLIC_KEY: '' }, /JML_EVIDENCE_PUBLIC_KEY: is not set/],
    [
      [],
      {
        JML_EVIDENCE_PUBLIC_KEY: generateKeyPairSync('rsa', { modulusLength: 1024 })
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
      },
      /JML_EVIDENCE_PUBLIC_KEY\.0: must be an Ed25519 public key: SPKI PEM, or the base64 of its DER \(this is a rsa key\)/,
    ],
    [
      [],
      { JML_EVIDENCE_PUBLIC_KEY: key, JML_EVIDENCE_URL: 'mysql://db/evidence' },
      /JML_EVIDENCE_URL: must be a postgres:\/\//,
    ],
  ];
  for (const [args, extra, message] of cases) {
    const run = await jml(['audit', 'verify', ...args], { ...env, ...extra });
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
