// The evidence store: append-only, hash-chained records, one chain per person, each append signed
// as the chain's new checkpoint in the same transaction. Appending is idempotent by key (the same key
// again returns the first record; the same key with other content is an error) and safe under
// concurrency (appends to one chain take turns on the chain's row lock).
import type { KeyObject } from 'node:crypto';
import { chainIdFor, evidenceInputSchema, type ValidEvidence } from '../domain/evidence-record';
import { describeIssues } from '../domain/hr-event';
import { canonicalJson, CanonicalJsonError } from './canonical-json';
import { EvidenceConflictError, EvidenceInputError } from './errors';
import { migrate } from './migrations';
import { canonicalTime, GENESIS_HASH, recordHash, type HashedRecord } from './record-hash';
import { INSERT_RECORD, insertValues, RECORD_COLUMNS, recordFrom, type StoredRecord } from './record-rows';
import { RosterSnapshots } from './roster-snapshots';
import { connect, type EvidenceLocation } from './settings';
import { signerFrom, type Signer } from './signing';
import {
  RETRYABLE_STATES,
  sqlState,
  timeText,
  UNIQUE_VIOLATION,
  type SqlClient,
  type SqlQueryable,
} from './sql';

export interface AppendResult {
  record: StoredRecord;
  /** The key had been recorded before (a retried or replayed step): this is the first record, unchanged. */
  duplicate: boolean;
}

/** How often one append is tried again after a lost race (a key or chain written at the same moment). */
const MAX_ATTEMPTS = 5;

export class EvidenceStore {
  private rosterSnapshots?: RosterSnapshots;

  private constructor(
    private readonly sql: SqlClient,
    private readonly signer: Signer,
  ) {}

  /** Opens (and creates, for the embedded store) the store, bringing its schema up to date. */
  static async open(location: EvidenceLocation, signingKey: KeyObject): Promise<EvidenceStore> {
    const sql = await connect(location, { create: true });
    try {
      await migrate(sql);
    } catch (error) {
      await sql.close();
      throw error;
    }
    return new EvidenceStore(sql, signerFrom(signingKey));
  }

  get description(): string {
    return this.sql.description;
  }

  /** The public key of the key this store signs checkpoints with. */
  get publicKey(): KeyObject {
    return this.signer.publicKey;
  }

  /** The connection, for the reads of queries.ts (certificates, exports, reports) in the same process. */
  get reader(): SqlQueryable {
    return this.sql;
  }

  /** What each HR source's roster last told jml (migration 3), kept beside the records on this connection. */
  get rosters(): RosterSnapshots {
    return (this.rosterSnapshots ??= new RosterSnapshots(this.sql));
  }

  /** Validates and appends one record; see the class comment for what a repeated key does. */
  async append(raw: unknown): Promise<AppendResult> {
    const input = validated(raw);
    return this.inTransaction((tx) => this.appendIn(tx, input));
  }

  /**
   * Validates every record first (one invalid record writes none), then appends them in order: each
   * run of one person's records in one transaction, so a step's records cost one commit, not one each.
   * Every record still gets its own signed checkpoint.
   */
  async appendAll(raws: unknown[]): Promise<AppendResult[]> {
    const inputs = raws.map((raw, i) => validated(raw, raws.length > 1 ? `[${i}]` : ''));
    const results: AppendResult[] = [];
    for (const run of runsByChain(inputs)) {
      results.push(
        ...(await this.inTransaction(async (tx) => {
          const appended: AppendResult[] = [];
          for (const input of run) appended.push(await this.appendIn(tx, input));
          return appended;
        })),
      );
    }
    return results;
  }

  /** Runs appends in one transaction, run again after a lost race (a key or chain written at the same moment). */
  private async inTransaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.sql.transaction(work);
      } catch (error) {
        const state = sqlState(error);
        const lostRace = state === UNIQUE_VIOLATION || (state !== undefined && RETRYABLE_STATES.has(state));
        if (!lostRace || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** A person's chain, oldest first. */
  async chainOf(employeeId: string): Promise<StoredRecord[]> {
    const rows = await this.sql.query<Parameters<typeof recordFrom>[0]>(
      `SELECT ${RECORD_COLUMNS} FROM evidence_records WHERE chain_id = $1 ORDER BY evidence_records.seq`,
      [chainIdFor(employeeId)],
    );
    return rows.map(recordFrom);
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  private async appendIn(tx: SqlQueryable, input: ValidEvidence): Promise<AppendResult> {
    const chainId = chainIdFor(input.employeeId);
    await tx.query(
      `INSERT INTO evidence_chains (chain_id, head_seq, head_hash, updated_at)
       VALUES ($1, 0, $2, now()) ON CONFLICT (chain_id) DO NOTHING`,
      [chainId, GENESIS_HASH],
    );
    // The chain's row lock: whoever holds it owns the head until commit.
    const [head] = await tx.query<{ seq: string; hash: string }>(
      'SELECT head_seq::text AS seq, head_hash AS hash FROM evidence_chains WHERE chain_id = $1 FOR UPDATE',
      [chainId],
    );
    if (!head) throw new Error(`chain ${chainId} has no head row`);
    const occurredAt = canonicalTime(input.occurredAt);
    const [existing] = await tx.query<Parameters<typeof recordFrom>[0]>(
      `SELECT ${RECORD_COLUMNS} FROM evidence_records WHERE idempotency_key = $1`,
      [input.key],
    );
    if (existing) {
      const first = recordFrom(existing);
      const differs = differences(first, { ...input, chainId, occurredAt });
      if (differs.length) throw new EvidenceConflictError(input.key, differs);
      return { record: first, duplicate: true };
    }
    // Read after the lock is held, so a chain's records are recorded in the order of their numbers.
    const [clock] = await tx.query<{ now: string }>(`SELECT ${timeText('clock_timestamp()')} AS now`);
    const record: HashedRecord = {
      chainId,
      seq: Number(head.seq) + 1,
      key: input.key,
      kind: input.kind,
      employeeId: input.employeeId,
      appId: input.appId,
      occurredAt,
      recordedAt: clock!.now,
      body: input.body,
      prevHash: head.hash,
    };
    const hash = recordHash(record);
    const [row] = await tx.query<{ id: string }>(INSERT_RECORD, insertValues(record, hash));
    await this.checkpoint(tx, { chainId, upToSeq: record.seq, hash, signedAt: record.recordedAt });
    await tx.query(
      'UPDATE evidence_chains SET head_seq = $2, head_hash = $3, updated_at = $4 WHERE chain_id = $1',
      [chainId, record.seq, hash, record.recordedAt],
    );
    return { record: { ...record, id: row!.id, hash }, duplicate: false };
  }

  /** Signs the chain's new head, so that no record of it stands unsigned even for a moment. */
  private async checkpoint(
    tx: SqlQueryable,
    head: { chainId: string; upToSeq: number; hash: string; signedAt: string },
  ): Promise<void> {
    const fields = { ...head, keyId: this.signer.keyId };
    await tx.query(
      `INSERT INTO evidence_checkpoints (chain_id, up_to_seq, hash, signature, key_id, signed_at)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
      [fields.chainId, fields.upToSeq, fields.hash, this.signer.sign(fields), fields.keyId, fields.signedAt],
    );
  }
}

/** Which of the fields a repeated key must repeat differ (names only: values may be long). */
function differences(
  first: StoredRecord,
  again: ValidEvidence & { chainId: string; occurredAt: string },
): string[] {
  const fields: [string, unknown, unknown][] = [
    ['kind', first.kind, again.kind],
    ['employeeId', first.employeeId, again.employeeId],
    ['appId', first.appId, again.appId],
    ['occurredAt', first.occurredAt, again.occurredAt],
    ['body', canonicalJson(first.body), canonicalJson(again.body)],
  ];
  return fields.filter(([, a, b]) => a !== b).map(([name]) => name);
}

/** A record checked as the store takes it; `at` names which of a batch it is in the error. */
function validated(raw: unknown, at = ''): ValidEvidence {
  const parsed = evidenceInputSchema.safeParse(raw);
  const where = (path: string) => (at ? `${at}.${path}` : path);
  if (!parsed.success) {
    throw new EvidenceInputError(describeIssues(parsed.error).map((p) => ({ ...p, path: where(p.path) })));
  }
  try {
    canonicalJson(parsed.data.body);
  } catch (error) {
    if (error instanceof CanonicalJsonError) {
      throw new EvidenceInputError([{ path: where('body'), message: error.message }]);
    }
    throw error;
  }
  return parsed.data;
}

/** Consecutive records of the same chain, in order: each run is appended in one transaction. */
function runsByChain(inputs: ValidEvidence[]): ValidEvidence[][] {
  const runs: ValidEvidence[][] = [];
  for (const input of inputs) {
    const last = runs.at(-1);
    if (last && last[0]!.employeeId === input.employeeId) last.push(input);
    else runs.push([input]);
  }
  return runs;
}
