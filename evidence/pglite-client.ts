// The embedded store: PostgreSQL compiled to WebAssembly (PGlite), its data in one directory, so
// `npm start` keeps evidence with nothing else to install. One process at a time (data-dir-lock.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDirectory } from './data-dir-lock';
import { EvidenceUnavailableError } from './errors';
import type { SqlClient, SqlQueryable } from './sql';

export interface PgliteOptions {
  /** Whether a missing directory becomes a new, empty store (writers) or is an error (the auditor's CLI). */
  create: boolean;
}

export async function openPglite(dir: string, options: PgliteOptions): Promise<SqlClient> {
  if (!options.create && !existsSync(join(dir, 'PG_VERSION'))) {
    throw new EvidenceUnavailableError(`there is no evidence store in ${dir}`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const lock = lockDirectory(dir);
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch (error) {
    lock.release();
    throw new EvidenceUnavailableError(`the evidence store in ${dir} cannot be opened: ${String(error)}`, {
      cause: error,
    });
  }
  const queryable = (on: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    query: async <R>(text: string, params?: unknown[]) => (await on.query<R>(text, params)).rows,
    exec: async (text: string) => {
      await on.exec(text);
    },
  });
  return {
    description: dir,
    ...queryable(db),
    // PGlite is one connection: its transactions take turns, which is what a chain head needs anyway.
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    close: async () => {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}
