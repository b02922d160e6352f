// Reads a person's employment memory (domain/employment-memory.ts) from their HR event records, one
// query through migration 4's index on (employee_id, id).
import { memoryFrom, type RecordedHrEvent } from '../domain/employment-memory';
import type { EmploymentMemory } from '../domain/lifecycle';
import type { SqlQueryable } from './sql';

export async function employmentMemoryOf(sql: SqlQueryable, employeeId: string): Promise<EmploymentMemory> {
  const rows = await sql.query<RecordedHrEvent>(
    `SELECT body->>'eventId' AS "eventId", body->>'type' AS type, body->>'occurredAt' AS "occurredAt",
            body->>'outcome' AS outcome
       FROM evidence_records
      WHERE employee_id = $1 AND kind = 'hr-event'
      ORDER BY id`,
    [employeeId],
  );
  return memoryFrom(rows.map((r) => (r.outcome === null ? { ...r, outcome: undefined } : r)));
}
