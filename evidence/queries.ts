// What certificates, exports and reports read from the store: a person's records, and the steps of a
// period. A period's steps are found by their HR event records (an index of those by time,
// migration 2), then read a batch of people at a time through the (employee, time) index, each
// person from the moment their earliest step of the period was received, so that a quarter of a large
// company is read in a few dozen queries and never held in memory all at once.
import { chainIdFor } from '../domain/evidence-record';
import { leaverCertificate, type LeaverCertificate } from '../domain/leaver-certificate';
import type { Period } from '../domain/period';
import { compareRows, exportRow, type PeriodExportRow } from '../domain/period-export';
import { PeriodReportBuilder, type PeriodReport } from '../domain/period-report';
import { groupSteps, type EvidenceRecordView, type RecordedStep } from '../domain/recorded-steps';
import { pages } from './cursor';
import { timeText, type SqlQueryable } from './sql';

/**
 * What the builders read of a record (not the chain links: verify checks those). The time comes as
 * the driver's Date: the store keeps given times to the millisecond, and formatting them in SQL costs
 * more than the query. A period's records leave out the hash, which only a certificate shows.
 */
const STEP_COLUMNS = `seq::text AS seq, idempotency_key AS key, kind, employee_id AS "employeeId",
  app_id AS "appId", occurred_at AS "occurredAt", body`;
const VIEW_COLUMNS = `${STEP_COLUMNS}, hash`;

type ViewRow = Omit<EvidenceRecordView, 'seq' | 'occurredAt'> & { seq: string; occurredAt: Date };

const PAGE = 1000;
/** People read per query when a period's steps are gathered. */
export const PEOPLE_PER_BATCH = 500;

function viewOf(row: ViewRow): EvidenceRecordView {
  return { ...row, seq: Number(row.seq), occurredAt: row.occurredAt.toISOString() };
}

/** A person's records, oldest first (their chain), a page at a time. */
export async function personRecords(sql: SqlQueryable, employeeId: string): Promise<EvidenceRecordView[]> {
  const records: EvidenceRecordView[] = [];
  const chainId = chainIdFor(employeeId);
  for await (const record of pages<EvidenceRecordView>(async (after) => {
    const rows = await sql.query<ViewRow>(
      `SELECT ${VIEW_COLUMNS} FROM evidence_records WHERE chain_id = $1 AND seq > $2
        ORDER BY evidence_records.seq LIMIT ${PAGE}`,
      [chainId, after?.seq ?? 0],
    );
    return rows.map(viewOf);
  }, PAGE)) {
    records.push(record);
  }
  return records;
}

interface EventRow {
  id: string;
  employeeId: string;
  occurredAt: string;
  receivedAt: string | null;
}

/** The people with an HR event recorded in the period, and from when each one's records are needed. */
async function peopleInPeriod(sql: SqlQueryable, period: Period): Promise<Map<string, number>> {
  const since = new Map<string, number>();
  for await (const row of pages<EventRow>(
    (after) =>
      sql.query<EventRow>(
        `SELECT id::text AS id, employee_id AS "employeeId", ${timeText('occurred_at')} AS "occurredAt",
                body->>'receivedAt' AS "receivedAt"
           FROM evidence_records
          WHERE kind = 'hr-event' AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz
            AND (occurred_at, id) > ($3::timestamptz, $4::bigint)
          ORDER BY occurred_at, id LIMIT ${PAGE}`,
        [
          period.from.toISOString(),
          period.to.toISOString(),
          after?.occurredAt ?? '-infinity',
          after?.id ?? 0,
        ],
      ),
    PAGE,
  )) {
    // A step's records all come after the HR event reached the workflow (its receivedAt).
    const from = Math.min(Date.parse(row.occurredAt), row.receivedAt ? Date.parse(row.receivedAt) : Infinity);
    since.set(row.employeeId, Math.min(since.get(row.employeeId) ?? Infinity, from));
  }
  return since;
}

const inPeriod = (step: RecordedStep, period: Period) => {
  const at = Date.parse(step.recordedAt);
  return at >= period.from.getTime() && at < period.to.getTime();
};

/**
 * The joiner, mover and leaver steps whose HR event was first recorded in the period, a batch of
 * people at a time (in employee id order).
 */
export async function* periodSteps(
  sql: SqlQueryable,
  period: Period,
  peoplePerBatch = PEOPLE_PER_BATCH,
): AsyncGenerator<RecordedStep[]> {
  const since = await peopleInPeriod(sql, period);
  const people = [...since.keys()].sort();
  for (let i = 0; i < people.length; i += peoplePerBatch) {
    const batch = people.slice(i, i + peoplePerBatch);
    // From the batch's earliest event on: every record of its steps, and little before (the driver's
    // decoding of rows, not the index, is what a period's reading costs).
    const from = Math.min(...batch.map((id) => since.get(id)!));
    const rows = await sql.query<ViewRow>(
      `SELECT ${STEP_COLUMNS} FROM evidence_records
        WHERE employee_id = ANY($1::text[]) AND occurred_at >= $2::timestamptz`,
      [batch, new Date(from).toISOString()],
    );
    yield groupSteps(rows.map(viewOf)).filter((step) => inPeriod(step, period));
  }
}

/** The certificate of a person's latest leaver (or of the one `eventId` started); CertificateNotFound if none. */
export async function certificateOf(
  sql: SqlQueryable,
  employeeId: string,
  options: { eventId?: string; now?: Date } = {},
): Promise<LeaverCertificate> {
  const records = await personRecords(sql, employeeId);
  return leaverCertificate(records, options.now ?? new Date(), { employeeId, eventId: options.eventId });
}

/** One row per joiner, mover and leaver of the period, in the order HR sent them. */
export async function exportOf(
  sql: SqlQueryable,
  period: Period,
  now = new Date(),
): Promise<PeriodExportRow[]> {
  const rows: PeriodExportRow[] = [];
  for await (const steps of periodSteps(sql, period)) rows.push(...steps.map((step) => exportRow(step, now)));
  return rows.sort(compareRows);
}

/** The period's figures. */
export async function reportOf(sql: SqlQueryable, period: Period, now = new Date()): Promise<PeriodReport> {
  const builder = new PeriodReportBuilder(now);
  for await (const steps of periodSteps(sql, period)) steps.forEach((step) => builder.add(step));
  return builder.finish();
}
