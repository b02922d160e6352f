// `verifyChains`: walks every chain (or the records of a time window, with the record before each
// window's first as its anchor) and reports, per chain, the first record that does not fit
// (chain-walk.ts). Reads only: it opens the store read-only and needs the public keys alone.
import type { KeyObject } from 'node:crypto';
import { walkChain, type EvidenceProblem } from './chain-walk';
import { Cursor, pages } from './cursor';
import { checkSchema } from './migrations';
import {
  CHECKPOINT_COLUMNS,
  checkpointFrom,
  RECORD_COLUMNS,
  recordFrom,
  type StoredRecord,
} from './record-rows';
import type { StoredCheckpoint } from './record-rows';
import { connect, type EvidenceLocation } from './settings';
import { checkpointVerifier } from './signing';
import type { SqlClient, SqlQueryable } from './sql';

export interface VerifyOptions {
  /** Only records recorded (and checkpoints signed) at or after this time. */
  from?: Date;
  /** Only those recorded before this time. */
  to?: Date;
  /** The public keys whose checkpoints are trusted. */
  publicKeys: KeyObject[];
}

export interface VerifyReport {
  intact: boolean;
  from?: string;
  to?: string;
  chains: number;
  records: number;
  checkpoints: number;
  /** The first problem of each chain that has one, by chain id. */
  problems: EvidenceProblem[];
}

const PAGE = 500;

interface ChainSpan {
  chainId: string;
  /** The window's lowest and highest sequence numbers; absent: the whole chain. */
  lo?: number;
  hi?: number;
}

/** Opens the store for reading only: nothing is created, migrated or written. */
export async function openForVerify(location: EvidenceLocation): Promise<SqlClient> {
  const sql = await connect(location, { create: false });
  try {
    await sql.exec('SET default_transaction_read_only = on');
    await checkSchema(sql);
    return sql;
  } catch (error) {
    await sql.close();
    throw error;
  }
}

export async function verifyChains(sql: SqlQueryable, options: VerifyOptions): Promise<VerifyReport> {
  const windowed = options.from !== undefined || options.to !== undefined;
  const checkSignature = checkpointVerifier(options.publicKeys);
  const report: VerifyReport = {
    intact: true,
    from: options.from?.toISOString(),
    to: options.to?.toISOString(),
    chains: 0,
    records: 0,
    checkpoints: 0,
    problems: [],
  };
  const spans = windowed ? await windowSpans(sql, options) : await allChains(sql);
  for (const span of spans) {
    const meta = await chainMeta(sql, span.chainId);
    const startSeq = span.lo !== undefined ? Math.max(1, span.lo - 1) : 1;
    const endSeq = span.hi !== undefined ? await firstSignedFrom(sql, span.chainId, span.hi) : undefined;
    const walked = await walkChain({
      chainId: span.chainId,
      startSeq,
      reachesEnd: endSeq === undefined || endSeq >= meta.maxSeq,
      maxSeq: meta.maxSeq,
      head: meta.head,
      records: new Cursor(recordsOf(sql, span.chainId, startSeq, endSeq)),
      checkpoints: new Cursor(checkpointsOf(sql, span.chainId, startSeq, endSeq)),
      checkSignature,
    });
    report.chains += 1;
    report.records += walked.records;
    report.checkpoints += walked.checkpoints;
    if (walked.problem) report.problems.push(walked.problem);
  }
  report.intact = report.problems.length === 0;
  return report;
}

/** Every chain any table names: one with records but no head row, or only checkpoints, is a chain too. */
async function allChains(sql: SqlQueryable): Promise<ChainSpan[]> {
  return sql.query<ChainSpan>(
    `SELECT chain_id AS "chainId" FROM (
       SELECT chain_id FROM evidence_chains
       UNION SELECT chain_id FROM evidence_records
       UNION SELECT chain_id FROM evidence_checkpoints
     ) named ORDER BY chain_id COLLATE "C"`,
  );
}

/** The chains with records recorded or checkpoints signed in the window, and the numbers they span. */
async function windowSpans(sql: SqlQueryable, options: VerifyOptions): Promise<ChainSpan[]> {
  const rows = await sql.query<{ chainId: string; lo: string; hi: string }>(
    `SELECT chain_id AS "chainId", min(lo)::text AS lo, max(hi)::text AS hi FROM (
       SELECT chain_id, min(seq) AS lo, max(seq) AS hi FROM evidence_records
        WHERE recorded_at >= $1::timestamptz AND recorded_at < $2::timestamptz GROUP BY chain_id
       UNION ALL
       SELECT chain_id, min(up_to_seq), max(up_to_seq) FROM evidence_checkpoints
        WHERE signed_at >= $1::timestamptz AND signed_at < $2::timestamptz GROUP BY chain_id
     ) w GROUP BY chain_id ORDER BY chain_id COLLATE "C"`,
    [options.from?.toISOString() ?? '-infinity', options.to?.toISOString() ?? 'infinity'],
  );
  return rows.map((row) => ({ chainId: row.chainId, lo: Number(row.lo), hi: Number(row.hi) }));
}

async function chainMeta(sql: SqlQueryable, chainId: string) {
  const [row] = await sql.query<{ headSeq: string | null; headHash: string | null; maxSeq: string }>(
    `SELECT (SELECT head_seq::text FROM evidence_chains WHERE chain_id = $1) AS "headSeq",
            (SELECT head_hash FROM evidence_chains WHERE chain_id = $1) AS "headHash",
            greatest(0,
              (SELECT max(seq) FROM evidence_records WHERE chain_id = $1),
              (SELECT max(up_to_seq) FROM evidence_checkpoints WHERE chain_id = $1),
              (SELECT head_seq FROM evidence_chains WHERE chain_id = $1))::text AS "maxSeq"`,
    [chainId],
  );
  return {
    maxSeq: Number(row!.maxSeq),
    head: row!.headSeq === null ? undefined : { seq: Number(row!.headSeq), hash: row!.headHash! },
  };
}

/** Where a window's walk may stop: the first signed number at or after its end (none: the chain's end). */
async function firstSignedFrom(sql: SqlQueryable, chainId: string, hi: number): Promise<number | undefined> {
  const [row] = await sql.query<{ seq: string | null }>(
    'SELECT min(up_to_seq)::text AS seq FROM evidence_checkpoints WHERE chain_id = $1 AND up_to_seq >= $2',
    [chainId, hi],
  );
  return row?.seq == null ? undefined : Number(row.seq);
}

/** One chain's rows of a table from one number to another, in order, a page at a time. */
function rowsOf<Row, R extends { id: string }>(
  sql: SqlQueryable,
  query: { table: string; columns: string; seq: string; seqOf: (row: R) => number; from: (row: Row) => R },
  chainId: string,
  span: { from: number; to?: number },
): AsyncGenerator<R> {
  const { table, seq } = query;
  return pages(async (after) => {
    const rows = await sql.query<Row>(
      `SELECT ${query.columns} FROM ${table}
        WHERE chain_id = $1 AND ${seq} >= $2 AND ${seq} <= $3 AND (${seq}, id) > ($4::bigint, $5::bigint)
        ORDER BY ${table}.${seq}, ${table}.id LIMIT ${PAGE}`,
      [
        chainId,
        span.from,
        span.to ?? Number.MAX_SAFE_INTEGER,
        after ? query.seqOf(after) : 0,
        after?.id ?? 0,
      ],
    );
    return rows.map(query.from);
  }, PAGE);
}

const recordsOf = (sql: SqlQueryable, chainId: string, from: number, to?: number) =>
  rowsOf<Parameters<typeof recordFrom>[0], StoredRecord>(
    sql,
    { table: 'evidence_records', columns: RECORD_COLUMNS, seq: 'seq', seqOf: (r) => r.seq, from: recordFrom },
    chainId,
    { from, to },
  );

const checkpointsOf = (sql: SqlQueryable, chainId: string, from: number, to?: number) =>
  rowsOf<Parameters<typeof checkpointFrom>[0], StoredCheckpoint>(
    sql,
    {
      table: 'evidence_checkpoints',
      columns: CHECKPOINT_COLUMNS,
      seq: 'up_to_seq',
      seqOf: (c) => c.upToSeq,
      from: checkpointFrom,
    },
    chainId,
    { from, to },
  );
