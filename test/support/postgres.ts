// A throwaway PostgreSQL cluster for integration tests, from Debian's packages: its own data
// directory, loopback port and superuser password. initdb and postgres refuse to run as root, so
// under root they run as the `postgres` system user.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../scripts/lib/ports';
import { collectOutput } from './child-output';

export interface PostgresServer {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

const START_DEADLINE_MS = 20_000;
const run = promisify(execFile);

/** Debian installs each major version under /usr/lib/postgresql/<major>/bin: the newest one. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  let majors: string[];
  try {
    majors = readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    return undefined;
  }
  return majors
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'))
    .find((dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres')));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missingMessage(): string {
  const fix = 'Install it with: apt-get install -y postgresql';
  if (process.env.CI === 'true') {
    return `PostgreSQL is not installed on this CI runner, so the PostgreSQL integration tests cannot run. ${fix}`;
  }
  return `PostgreSQL server binaries (initdb, postgres) were not found under /usr/lib/postgresql; the PostgreSQL integration tests need them. ${fix}`;
}

/** As root, the uid/gid of the `postgres` system user the server must run as; otherwise ourselves. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, but there is no `postgres` system user to run the server as');
  }
}

/** Starts a fresh cluster on a free loopback port; fails loudly if it cannot. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(missingMessage());
  const as = await serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'jml-postgres-'));
  try {
    if (as) await chown(dir, as.uid, as.gid);
    const password = randomBytes(18).toString('base64url');
    const data = join(dir, 'data');
    const pwfile = join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (as) await chown(pwfile, as.uid, as.gid);
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync'],
      { ...as, cwd: dir },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`initdb failed: ${error.stderr ?? error.message}`);
    });
    const port = await freePort();
    // fsync off: the cluster is thrown away after the test file, so durability only costs time.
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = collectOutput(child, 'postgres');
    const server = { host: '127.0.0.1', port, database: 'postgres', user: 'postgres', password };
    const stop = () => stopPostgres(child, dir);
    try {
      await waitForConnection(server, child, output);
    } catch (error) {
      await stop();
      throw error;
    }
    return { ...server, stop };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function waitForConnection(
  server: Omit<PostgresServer, 'stop'>,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited (code ${child.exitCode}) during startup:\n${output()}`);
    }
    try {
      await connectAs(server, server.user, server.password, () => Promise.resolve());
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `postgres did not accept a connection within ${START_DEADLINE_MS}ms (${reason}):\n${output()}`,
  );
}

async function stopPostgres(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGINT is PostgreSQL's fast shutdown: it ends client backends instead of waiting for them.
    child.kill('SIGINT');
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000, true, { ref: false })]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  await rm(dir, { recursive: true, force: true });
}

/** Opens one connection as `user`, runs work, and closes it: the tests' own view of the server. */
export async function connectAs<T>(
  server: Pick<PostgresServer, 'host' | 'port' | 'database'>,
  user: string,
  password: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ ...server, user, password, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs work as the cluster's superuser, for tests that set up or inspect roles directly. */
export function asSuperuser<T>(server: PostgresServer, work: (client: Client) => Promise<T>): Promise<T> {
  return connectAs(server, server.user, server.password, work);
}
