// The store's schema, as numbered migrations applied in order when a writer opens the store, each in
// the transaction that records it in evidence_migrations. One dialect for PGlite and PostgreSQL.
import { RECONCILIATION_MIGRATION } from './reconciliation-schema';
import { ROSTER_MIGRATION } from './roster-schema';
import type { SqlClient } from './sql';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append new migrations at the end; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'hash-chained records, chain heads and signed checkpoints',
    sql: `
      -- One row per chain: its head (last sequence number and hash). Appends lock this row, so two
      -- appends to one chain take turns and appends to different chains never wait on each other.
      CREATE TABLE evidence_chains (
        chain_id   text PRIMARY KEY,
        head_seq   bigint NOT NULL CHECK (head_seq >= 0),
        head_hash  text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE evidence_records (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chain_id        text NOT NULL,
        seq             bigint NOT NULL CHECK (seq >= 1),
        idempotency_key text NOT NULL,
        kind            text NOT NULL,
        employee_id     text NOT NULL,
        app_id          text,
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL,
        body            jsonb NOT NULL,
        prev_hash       text NOT NULL,
        hash            text NOT NULL,
        CONSTRAINT evidence_records_chain_seq UNIQUE (chain_id, seq),
        CONSTRAINT evidence_records_key UNIQUE (idempotency_key)
      );
      CREATE INDEX evidence_records_recorded_at ON evidence_records (recorded_at);
      CREATE INDEX evidence_records_employee ON evidence_records (employee_id, occurred_at);

      CREATE TABLE evidence_checkpoints (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chain_id   text NOT NULL,
        up_to_seq  bigint NOT NULL CHECK (up_to_seq >= 1),
        hash       text NOT NULL,
        signature  text NOT NULL,
        key_id     text NOT NULL,
        signed_at  timestamptz NOT NULL
      );
      CREATE INDEX evidence_checkpoints_chain ON evidence_checkpoints (chain_id, up_to_seq);

      -- Records and checkpoints are never changed or removed by jml: the database refuses it, so a
      -- mistake cannot do it either. (Whoever can switch triggers off can still; verify catches that.)
      CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'evidence is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
      END
      $$;
      CREATE TRIGGER evidence_records_append_only BEFORE UPDATE OR DELETE ON evidence_records
        FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
      CREATE TRIGGER evidence_records_no_truncate BEFORE TRUNCATE ON evidence_records
        FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
      CREATE TRIGGER evidence_checkpoints_append_only BEFORE UPDATE OR DELETE ON evidence_checkpoints
        FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
      CREATE TRIGGER evidence_checkpoints_no_truncate BEFORE TRUNCATE ON evidence_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();
    `,
  },
  {
    version: 2,
    name: 'HR event records by time, for exports and reports of a period',
    sql: `
      -- A period's steps are found by their HR event records (evidence/queries.ts periodSteps); the
      -- rest of their records are then read through evidence_records_employee.
      CREATE INDEX evidence_records_hr_events ON evidence_records (occurred_at, id) WHERE kind = 'hr-event';
    `,
  },
  ROSTER_MIGRATION,
  RECONCILIATION_MIGRATION,
];

/** Any constant will do: it only has to be the same for every jml that opens the store. */
const MIGRATION_LOCK = 7_427_013;

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the schema up to date; two processes opening the store at once take turns. */
export async function migrate(client: SqlClient): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS evidence_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await appliedVersion(tx);
    if (applied > LATEST_VERSION) throw newerSchema(client, applied);
    for (const migration of MIGRATIONS.filter((m) => m.version > applied)) {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO evidence_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
  });
}

/** For readers, which change nothing: the schema must already be there, and not be newer than this jml. */
export async function checkSchema(client: SqlClient): Promise<void> {
  const [table] = await client.query<{ present: boolean }>(
    `SELECT to_regclass('evidence_migrations') IS NOT NULL AS present`,
  );
  const applied = table?.present ? await appliedVersion(client) : 0;
  if (applied === 0)
    throw new Error(`${client.description} is not an evidence store (no evidence_migrations)`);
  if (applied > LATEST_VERSION) throw newerSchema(client, applied);
}

async function appliedVersion(on: Pick<SqlClient, 'query'>): Promise<number> {
  const [row] = await on.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM evidence_migrations',
  );
  return Number(row?.version ?? 0);
}

function newerSchema(client: SqlClient, applied: number): Error {
  return new Error(
    `the evidence store ${client.description} has schema version ${applied}, newer than this jml knows (${LATEST_VERSION}): upgrade jml`,
  );
}
