// What each HR source's roster last told jml (migration 3, roster-schema.ts), in the evidence
// database beside the records: per person their row as last sent, and per source the last import that
// sent everything it found. An import records each person as soon as their event is accepted.
import type { RosterPerson } from '../domain/roster-diff';
import type { RosterEmployee } from '../domain/roster';
import { timeText, type SqlQueryable } from './sql';

/** The last import of a source that sent every event it found. */
export interface RosterImportRecord {
  source: string;
  snapshotId: string;
  employees: number;
  importedAt: string;
}

/** Another import of the same source recorded this person first (two imports at once, in two processes). */
export class RosterConflictError extends Error {
  override readonly name = 'RosterConflictError';
  constructor(
    readonly source: string,
    readonly employeeId: string,
  ) {
    super(`another import of roster source ${source} recorded ${employeeId} meanwhile`);
  }
}

interface PersonRow {
  employeeId: string;
  status: 'active' | 'terminated';
  rowHash: string | null;
  rowData: RosterEmployee | null;
  eventsSent: number;
}

export class RosterSnapshots {
  constructor(private readonly sql: SqlQueryable) {}

  /** Everyone the source's roster has listed, active or terminated by it. */
  async people(source: string): Promise<RosterPerson[]> {
    const rows = await this.sql.query<PersonRow>(
      `SELECT employee_id AS "employeeId", status, row_hash AS "rowHash", row_data AS "rowData",
              events_sent AS "eventsSent"
         FROM roster_people WHERE source = $1`,
      [source],
    );
    return rows.map((row) => ({
      employeeId: row.employeeId,
      status: row.status,
      ...(row.rowHash ? { rowHash: row.rowHash } : {}),
      ...(row.rowData ? { row: row.rowData } : {}),
      eventsSent: Number(row.eventsSent),
    }));
  }

  async lastImport(source: string): Promise<RosterImportRecord | undefined> {
    const [row] = await this.sql.query<RosterImportRecord>(
      `SELECT source, snapshot_id AS "snapshotId", employees, ${timeText('imported_at')} AS "importedAt"
         FROM roster_sources WHERE source = $1`,
      [source],
    );
    return row && { ...row, employees: Number(row.employees) };
  }

  /**
   * Records that the person's next event was accepted: `after` is them as that event left them, whose
   * `eventsSent` counts it. Written only over the state the import started from (`eventsSent - 1`), or
   * over the very same state (the same roster imported twice at once); anything else is another
   * import's, and refused.
   */
  async recordSent(source: string, after: RosterPerson): Promise<void> {
    const active = after.status === 'active';
    const [written] = await this.sql.query<{ employeeId: string }>(
      `INSERT INTO roster_people (source, employee_id, status, row_hash, row_data, events_sent, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, now())
       ON CONFLICT (source, employee_id) DO UPDATE
         SET status = EXCLUDED.status, row_hash = EXCLUDED.row_hash, row_data = EXCLUDED.row_data,
             events_sent = EXCLUDED.events_sent, updated_at = EXCLUDED.updated_at
         WHERE roster_people.events_sent = EXCLUDED.events_sent - 1
            OR (roster_people.events_sent = EXCLUDED.events_sent
                AND roster_people.status = EXCLUDED.status
                AND roster_people.row_hash IS NOT DISTINCT FROM EXCLUDED.row_hash)
       RETURNING employee_id AS "employeeId"`,
      [
        source,
        after.employeeId,
        after.status,
        active ? (after.rowHash ?? null) : null,
        active && after.row ? JSON.stringify(after.row) : null,
        after.eventsSent,
      ],
    );
    if (!written) throw new RosterConflictError(source, after.employeeId);
  }

  /** Marks the import complete: every event it found was accepted. */
  async complete(record: Omit<RosterImportRecord, 'importedAt'>): Promise<RosterImportRecord> {
    const [row] = await this.sql.query<{ importedAt: string }>(
      `INSERT INTO roster_sources (source, snapshot_id, employees, imported_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (source) DO UPDATE
         SET snapshot_id = EXCLUDED.snapshot_id, employees = EXCLUDED.employees, imported_at = EXCLUDED.imported_at
       RETURNING ${timeText('imported_at')} AS "importedAt"`,
      [record.source, record.snapshotId, record.employees],
    );
    return { ...record, importedAt: row!.importedAt };
  }
}
