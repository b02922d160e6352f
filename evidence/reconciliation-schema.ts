// Migration 4: where reconciliation runs keep their reports, and the index a run reads people's
// standing through. Reports are operational records beside the evidence, not evidence themselves
// (what a run sets in motion writes its own evidence through the person's workflow), so their rows
// are updated as a run goes on; the evidence tables stay append-only.

export const RECONCILIATION_MIGRATION = {
  version: 4,
  name: 'reconciliation runs and their findings; the standing of people by their HR event and plan records',
  sql: `
    -- One row per run: the report as JSON once the run has finished (counts, listings, timings).
    CREATE TABLE reconciliation_runs (
      run_id      text PRIMARY KEY,
      started_by  text NOT NULL,
      started_at  timestamptz NOT NULL,
      finished_at timestamptz,
      report      jsonb
    );
    CREATE INDEX reconciliation_runs_started ON reconciliation_runs (started_at);

    -- One row per finding (an account of one class in one application): ids and entitlement names only.
    CREATE TABLE reconciliation_items (
      run_id      text NOT NULL REFERENCES reconciliation_runs (run_id),
      app_id      text NOT NULL,
      account_id  text NOT NULL,
      class       text NOT NULL,
      employee_id text,
      outcome     text NOT NULL,
      item        jsonb NOT NULL,
      PRIMARY KEY (run_id, app_id, account_id, class)
    );
    CREATE INDEX reconciliation_items_pending ON reconciliation_items (run_id, app_id) WHERE outcome = 'pending';

    -- A page of accounts asks for its owners' HR event and plan records in one query (reconciliation-store.ts).
    CREATE INDEX evidence_records_standing ON evidence_records (employee_id, id) WHERE kind IN ('hr-event', 'plan');
  `,
} as const;
