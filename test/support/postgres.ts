// A throwaway PostgreSQL cluster for a test file (scripts/lib/postgres.ts starts it from Debian's
// packages on a free port, in a temporary directory), and the tests' own connections to it.
import type { Client } from 'pg';
import { connectAs, type PostgresServer } from '../../scripts/lib/postgres';

export { connectAs, startPostgres, type PostgresServer } from '../../scripts/lib/postgres';

/** Runs work as the cluster's superuser, for tests that set up or inspect roles directly. */
export function asSuperuser<T>(server: PostgresServer, work: (client: Client) => Promise<T>): Promise<T> {
  return connectAs(server, server.user, server.password, work);
}
