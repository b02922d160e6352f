// PostgreSQL from Debian's packages, for the tests and the `postgres` sample of `npm start`: a fresh
// cluster with its own data directory, loopback port and superuser password, run as a child that
// stops with its owner (child.ts). initdb and postgres refuse to run as root, so under root they run
// as the `postgres` system user.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startChild, type ManagedChild } from './child';
import { freePort } from './ports';

export interface PostgresServer {
  host: string;
  port: number;
  /** The database every cluster has; create others with connectAs. */
  database: string;
  /** The superuser. */
  user: string;
  password: string;
  /** Where the cluster lives until it is stopped. */
  dir: string;
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

export const POSTGRES_MISSING =
  'PostgreSQL server binaries (initdb, postgres) were not found under /usr/lib/postgresql. ' +
  'Install them with: apt-get install -y postgresql';

interface ServerUser {
  uid: number;
  gid: number;
}

/** As root, the uid/gid of the `postgres` system user the server must run as; otherwise ourselves. */
async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, but there is no `postgres` system user to run PostgreSQL as');
  }
}

/**
 * An empty directory for the cluster that the server's user can write: `wanted` when given (emptied
 * first), else a new temporary one. Under root, a `wanted` below a directory the `postgres` user may
 * not enter (a home directory of mode 0700) cannot hold the cluster, so a temporary one does.
 */
async function clusterDir(wanted: string | undefined, as: ServerUser | undefined): Promise<string> {
  if (wanted) {
    await rm(wanted, { recursive: true, force: true });
    // Only the cluster's own directory is private: the server's user must pass through its parents.
    await mkdir(dirname(wanted), { recursive: true });
    await mkdir(wanted, { mode: 0o700 });
    if (!as) return wanted;
    await chown(wanted, as.uid, as.gid);
    if (spawnSync('test', ['-w', wanted], as).status === 0) return wanted;
    await rm(wanted, { recursive: true, force: true });
  }
  const dir = await mkdtemp(join(tmpdir(), 'jml-postgres-'));
  if (as) await chown(dir, as.uid, as.gid);
  return dir;
}

/**
 * Starts a fresh cluster on `port` (default: a free one) with `password` for the `postgres`
 * superuser (default: a random one), in `dataDir` (default: a temporary directory), removed again
 * when it stops. Fails loudly if it cannot.
 */
export async function startPostgres(
  options: { port?: number; password?: string; dataDir?: string } = {},
): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const as = await serverUser();
  const dir = await clusterDir(options.dataDir, as);
  try {
    const password = options.password ?? randomBytes(18).toString('base64url');
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
    await rm(pwfile);
    const port = options.port ?? (await freePort());
    // Loopback TCP only (no Unix socket, whose path length the data directory could exceed); fsync
    // off: the cluster is thrown away when it stops, so durability would only cost time.
    const child = startChild(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
      ],
      { ...as, cwd: dir, name: `postgres :${port}` },
    );
    const server = { host: '127.0.0.1', port, database: 'postgres', user: 'postgres', password, dir };
    const stop = async () => {
      // SIGTERM to the server's process group: every backend ends, then the server shuts down.
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitForConnection(server, child);
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

async function waitForConnection(server: Omit<PostgresServer, 'stop'>, child: ManagedChild): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`postgres exited (code ${child.process.exitCode}) during startup:\n${child.output()}`);
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
    `postgres did not accept a connection within ${START_DEADLINE_MS}ms (${reason}):\n${child.output()}`,
  );
}

/** Opens one connection as `user`, runs work, and closes it. */
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
