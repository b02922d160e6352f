// The hash chain: each record's hash covers its content, its place (chain and sequence number) and
// the hash of the record before it, so editing, moving, removing or slipping in a record breaks it.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The format of what is hashed; a later format gets a new number and old records keep theirs. */
export const RECORD_HASH_FORMAT = 1;

/** The previous hash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Everything a record's hash covers (the database id does not: it is where the row is, not what it says). */
export interface HashedRecord {
  chainId: string;
  seq: number;
  key: string;
  kind: string;
  employeeId: string;
  appId: string | null;
  /** Canonical times (canonicalTime): what the database gives back, to the microsecond. */
  occurredAt: string;
  recordedAt: string;
  body: unknown;
  prevHash: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 (hex) of the canonical JSON of the record's fields and the format number. */
export function recordHash(record: HashedRecord): string {
  return sha256Hex(
    canonicalJson({
      v: RECORD_HASH_FORMAT,
      chainId: record.chainId,
      seq: record.seq,
      key: record.key,
      kind: record.kind,
      employeeId: record.employeeId,
      appId: record.appId,
      occurredAt: record.occurredAt,
      recordedAt: record.recordedAt,
      body: record.body,
      prevHash: record.prevHash,
    }),
  );
}

/**
 * A time as hashed: UTC, microseconds, e.g. `2026-12-01T08:00:00.123000Z` — the form the database
 * gives back (sql.ts timeText), so a time hashes the same before it is stored and after. Times given
 * to the store are kept to the millisecond.
 */
export function canonicalTime(iso: string): string {
  return new Date(iso).toISOString().replace(/Z$/, '000Z');
}
