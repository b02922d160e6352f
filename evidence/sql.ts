// The little the store needs from a database, met by PGlite (pglite-client.ts) and by PostgreSQL
// through pg (pg-client.ts), so both run the same SQL and the same migrations.

export interface SqlQueryable {
  /** Runs one statement with $1… parameters and returns its rows. */
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs statements without parameters (a migration). */
  exec(text: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs work in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Where the data is, for messages (never a password). */
  readonly description: string;
}

/** A timestamptz column as canonical text (record-hash.ts canonicalTime): UTC, microseconds. */
export function timeText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The SQLSTATE of a database error, when it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
/** Serialization failure and deadlock: the transaction may simply be run again. */
export const RETRYABLE_STATES = new Set(['40001', '40P01']);
