// The `postgres` sample of `npm start`: a fresh PostgreSQL cluster on the sample's port with the
// sample's database and group roles, and the application that points jml at it.
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import type { PostgresApplicationConfig, SampleConfig } from '../../domain/config';
import { connectAs, startPostgres } from './postgres';
import type { RunningSample, SampleOptions } from './samples';

type PostgresSample = Extract<SampleConfig, { kind: 'postgres' }>;

export async function startPostgresSample(
  sample: PostgresSample,
  options: SampleOptions,
): Promise<RunningSample> {
  const server = await startPostgres({
    port: sample.port,
    password: options.adminPassword,
    dataDir: join(options.dataDir, 'samples', 'postgres'),
  });
  try {
    await connectAs(server, server.user, server.password, async (db) => {
      await db.query(`CREATE DATABASE ${escapeIdentifier(sample.database)}`);
      for (const role of sample.roles) await db.query(`CREATE ROLE ${escapeIdentifier(role)} NOLOGIN`);
    });
    // jml signs in as the sample's superuser: the simplest of the grants the README lists for jml's user.
    const application: PostgresApplicationConfig = {
      ...sample.application,
      kind: 'postgres',
      host: server.host,
      port: server.port,
      database: sample.database,
      user: server.user,
      password: server.password,
      ssl: false,
      owner: server.user,
      poolSize: 4,
    };
    return {
      what: 'sample PostgreSQL',
      summary: {
        application: application.id,
        address: `${server.host}:${server.port}`,
        database: sample.database,
        roles: sample.roles,
        dir: server.dir,
      },
      application,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
