// The production store: a PostgreSQL server by URL, through a small pool of pg connections.
import pg from 'pg';
import { EvidenceUnavailableError } from './errors';
import { sqlState, type SqlClient, type SqlQueryable } from './sql';

export interface PgOptions {
  /** Connections kept open at most. Default: 4. */
  poolSize?: number;
  /** Give up on a connection attempt after this long. Default: 5s. */
  connectTimeoutMs?: number;
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * Errors that say the server is not there or not taking work now (network errors, SQLSTATE classes
 * 08 connection exception, 53 insufficient resources, 57P admin shutdown), as opposed to a wrong query.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof EvidenceUnavailableError) return true;
  const state = sqlState(error);
  if (state) return /^(08|53|57P)/.test(state);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /timeout|terminated|Connection ended/i.test((error as Error | null)?.message ?? '');
}

function unavailable(where: string, error: unknown): unknown {
  if (error instanceof EvidenceUnavailableError || !isUnavailable(error)) return error;
  return new EvidenceUnavailableError(
    `the evidence store ${where} cannot be reached: ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}

export async function openPg(url: string, options: PgOptions = {}): Promise<SqlClient> {
  const where = redactedUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
  });
  // An idle connection the server drops is the pool's business; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const queryable = (on: pg.Pool | pg.PoolClient): SqlQueryable => ({
    query: async <R>(text: string, params?: unknown[]) => {
      try {
        return (await on.query(text, params)).rows as R[];
      } catch (error) {
        throw unavailable(where, error);
      }
    },
    exec: async (text: string) => {
      try {
        await on.query(text);
      } catch (error) {
        throw unavailable(where, error);
      }
    },
  });
  const client: SqlClient = {
    description: where,
    ...queryable(pool),
    transaction: async (work) => {
      let connection: pg.PoolClient;
      try {
        connection = await pool.connect();
      } catch (error) {
        throw unavailable(where, error);
      }
      try {
        await connection.query('BEGIN');
        const result = await work(queryable(connection));
        await connection.query('COMMIT');
        connection.release();
        return result;
      } catch (error) {
        const lost = isUnavailable(error);
        if (!lost) await connection.query('ROLLBACK').catch(() => undefined);
        // A connection that failed is not given back to the pool for the next transaction.
        connection.release(lost);
        throw unavailable(where, error);
      }
    },
    close: () => pool.end(),
  };
  // Fail at open, not at the first record, when the server is not there.
  try {
    await client.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return client;
}
