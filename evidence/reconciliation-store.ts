// What reconciliation reads from and keeps in the evidence database: the standing of a page's owners
// (their HR event and plan records, one query per page through migration 4's index), and each run's
// findings and report (tables of migration 4). Writing a finding twice (a retried page) keeps the first.
import {
  ITEM_OUTCOMES,
  noOutcomes,
  standingsFrom,
  type OutcomeCounts,
  type PersonRecord,
  type ReconciliationItem,
  type ReconciliationReport,
  type StandingRow,
} from '../domain/reconciliation';
import type { SqlQueryable } from './sql';

/** What jml's records say of each of these people; those it has never seen are absent. */
export async function standingsOf(
  sql: SqlQueryable,
  employeeIds: string[],
): Promise<Map<string, PersonRecord>> {
  if (!employeeIds.length) return new Map();
  const rows = await sql.query<StandingRow>(
    `SELECT employee_id AS "employeeId", kind, body FROM evidence_records
      WHERE employee_id = ANY($1::text[]) AND kind IN ('hr-event', 'plan')
      ORDER BY employee_id, id`,
    [[...new Set(employeeIds)]],
  );
  return standingsFrom(rows);
}

/** Records that a run has begun (again, after a retry: nothing changes). */
export async function beginRun(
  sql: SqlQueryable,
  run: { runId: string; trigger: string; startedAt: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO reconciliation_runs (run_id, started_by, started_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT (run_id) DO NOTHING`,
    [run.runId, run.trigger, run.startedAt],
  );
}

/** Keeps a page's findings; a finding already kept (the page read again) stays as it is. */
export async function saveItems(
  sql: SqlQueryable,
  runId: string,
  items: ReconciliationItem[],
): Promise<void> {
  if (!items.length) return;
  await sql.query(
    `INSERT INTO reconciliation_items (run_id, app_id, account_id, class, employee_id, outcome, item)
     SELECT $1, x->>'appId', x->>'accountId', x->>'class', x->>'employeeId', x->>'outcome', x
       FROM jsonb_array_elements($2::jsonb) AS x
     ON CONFLICT (run_id, app_id, account_id, class) DO NOTHING`,
    [runId, JSON.stringify(items)],
  );
}

/** The findings kept for these accounts of a page, as they stand now. */
export async function itemsOf(
  sql: SqlQueryable,
  runId: string,
  appId: string,
  accountIds: string[],
): Promise<ReconciliationItem[]> {
  if (!accountIds.length) return [];
  const rows = await sql.query<{ item: ReconciliationItem }>(
    `SELECT item FROM reconciliation_items WHERE run_id = $1 AND app_id = $2 AND account_id = ANY($3::text[])`,
    [runId, appId, accountIds],
  );
  return rows.map((r) => r.item);
}

/** Findings of one application whose remediation is under way, a batch at a time. */
export async function pendingItems(
  sql: SqlQueryable,
  runId: string,
  appId: string,
  limit: number,
): Promise<ReconciliationItem[]> {
  const rows = await sql.query<{ item: ReconciliationItem }>(
    `SELECT item FROM reconciliation_items WHERE run_id = $1 AND app_id = $2 AND outcome = 'pending'
      ORDER BY account_id, class LIMIT ${Math.trunc(limit)}`,
    [runId, appId],
  );
  return rows.map((r) => r.item);
}

/** Records how a finding now stands. */
export async function updateItem(sql: SqlQueryable, runId: string, item: ReconciliationItem): Promise<void> {
  await sql.query(
    `UPDATE reconciliation_items SET outcome = $5, item = $6::jsonb
      WHERE run_id = $1 AND app_id = $2 AND account_id = $3 AND class = $4`,
    [runId, item.appId, item.accountId, item.class, item.outcome, JSON.stringify(item)],
  );
}

/** How one application's findings (or the whole run's) stand. */
export async function outcomesOf(sql: SqlQueryable, runId: string, appId?: string): Promise<OutcomeCounts> {
  const rows = await sql.query<{ outcome: string; n: string }>(
    `SELECT outcome, count(*)::text AS n FROM reconciliation_items
      WHERE run_id = $1 AND ($2::text IS NULL OR app_id = $2) GROUP BY outcome`,
    [runId, appId ?? null],
  );
  const counts = noOutcomes();
  for (const { outcome, n } of rows) {
    if ((ITEM_OUTCOMES as readonly string[]).includes(outcome))
      counts[outcome as keyof OutcomeCounts] = Number(n);
  }
  return counts;
}

/** The run's findings in application and account order, the first `limit` of them. */
export async function runItems(
  sql: SqlQueryable,
  runId: string,
  limit?: number,
): Promise<ReconciliationItem[]> {
  const rows = await sql.query<{ item: ReconciliationItem }>(
    `SELECT item FROM reconciliation_items WHERE run_id = $1 ORDER BY app_id, account_id, class
      ${limit === undefined ? '' : `LIMIT ${Math.trunc(limit)}`}`,
    [runId],
  );
  return rows.map((r) => r.item);
}

/** Keeps the finished run's report (without its findings, which have their own rows). */
export async function finishRun(sql: SqlQueryable, report: ReconciliationReport): Promise<void> {
  const { items: _items, ...summary } = report;
  await sql.query(
    `UPDATE reconciliation_runs SET finished_at = $2::timestamptz, report = $3::jsonb WHERE run_id = $1`,
    [report.runId, report.finishedAt, JSON.stringify(summary)],
  );
}

export interface StoredRun {
  runId: string;
  trigger: string;
  startedAt: string;
  finishedAt?: string;
  /** The finished run's report, findings left out. */
  report?: Omit<ReconciliationReport, 'items'>;
}

/** One run as kept; undefined when the store has no such run. */
export async function readRun(sql: SqlQueryable, runId: string): Promise<StoredRun | undefined> {
  const [row] = await sql.query<{
    runId: string;
    trigger: string;
    startedAt: Date;
    finishedAt: Date | null;
    report: Omit<ReconciliationReport, 'items'> | null;
  }>(
    `SELECT run_id AS "runId", started_by AS trigger, started_at AS "startedAt",
            finished_at AS "finishedAt", report
       FROM reconciliation_runs WHERE run_id = $1`,
    [runId],
  );
  if (!row) return undefined;
  return {
    runId: row.runId,
    trigger: row.trigger,
    startedAt: new Date(row.startedAt).toISOString(),
    ...(row.finishedAt ? { finishedAt: new Date(row.finishedAt).toISOString() } : {}),
    ...(row.report ? { report: row.report } : {}),
  };
}
