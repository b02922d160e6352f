// How records and checkpoints are read back, the same way for the store and for verify: times as
// canonical text, numbers as text (PGlite and pg hand back bigint differently), the body as JSON.
// The text aliases shadow the columns' names: ORDER BY must name the table's columns (table.seq).
import type { HashedRecord } from './record-hash';
import type { SignedCheckpoint } from './signing';
import { timeText } from './sql';

/** A record as stored: what its hash covers, its hash, and the database id that says where it is. */
export interface StoredRecord extends HashedRecord {
  id: string;
  hash: string;
}

export interface StoredCheckpoint extends SignedCheckpoint {
  id: string;
}

export const RECORD_COLUMNS = `id::text AS id, chain_id AS "chainId", seq::text AS seq,
  idempotency_key AS key, kind, employee_id AS "employeeId", app_id AS "appId",
  ${timeText('occurred_at')} AS "occurredAt", ${timeText('recorded_at')} AS "recordedAt",
  body, prev_hash AS "prevHash", hash`;

export const CHECKPOINT_COLUMNS = `id::text AS id, chain_id AS "chainId", up_to_seq::text AS "upToSeq",
  hash, signature, key_id AS "keyId", ${timeText('signed_at')} AS "signedAt"`;

type Row<T extends { seq: number } | { upToSeq: number }> = Omit<T, 'seq' | 'upToSeq'> &
  Record<string, unknown>;

export function recordFrom(row: Row<StoredRecord>): StoredRecord {
  return { ...(row as unknown as StoredRecord), seq: Number(row.seq) };
}

export function checkpointFrom(row: Row<StoredCheckpoint>): StoredCheckpoint {
  return { ...(row as unknown as StoredCheckpoint), upToSeq: Number(row.upToSeq) };
}

/** How a record is written; returns its id. The values come from insertValues. */
export const INSERT_RECORD = `INSERT INTO evidence_records (chain_id, seq, idempotency_key, kind, employee_id,
    app_id, occurred_at, recorded_at, body, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9::jsonb, $10, $11)
  RETURNING id::text AS id`;

export function insertValues(record: HashedRecord, hash: string): unknown[] {
  return [
    record.chainId,
    record.seq,
    record.key,
    record.kind,
    record.employeeId,
    record.appId,
    record.occurredAt,
    record.recordedAt,
    JSON.stringify(record.body),
    record.prevHash,
    hash,
  ];
}
