// Migration 3: the roster each HR source last sent, so a new roster is compared with it. The rows are
// jml's working memory of a source, not evidence (each event an import sends is recorded as evidence
// by the person's workflow), so they are updated in place as imports go on; the evidence tables stay
// append-only. Personal data is kept only for people the roster lists as active, and only what a
// termination event carries; once the roster has terminated someone, their row keeps ids and counts.

export const ROSTER_MIGRATION = {
  version: 3,
  name: 'roster snapshots: per HR source, each employee as last sent, and the last completed import',
  sql: `
    -- One row per source: the last import that sent every event it found.
    CREATE TABLE roster_sources (
      source      text PRIMARY KEY,
      snapshot_id text NOT NULL,
      employees   integer NOT NULL CHECK (employees >= 0),
      imported_at timestamptz NOT NULL
    );

    -- One row per person a source's roster has listed: updated as each of their events is accepted,
    -- so an import that stops half-way goes on from there when run again.
    CREATE TABLE roster_people (
      source      text NOT NULL,
      employee_id text NOT NULL,
      status      text NOT NULL CHECK (status IN ('active', 'terminated')),
      row_hash    text,
      row_data    jsonb,
      events_sent integer NOT NULL CHECK (events_sent >= 1),
      updated_at  timestamptz NOT NULL,
      PRIMARY KEY (source, employee_id),
      CONSTRAINT roster_people_row_when_active
        CHECK ((status = 'active') = (row_hash IS NOT NULL AND row_data IS NOT NULL))
    );
  `,
} as const;
