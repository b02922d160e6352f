// Keycloak for tests and samples: the pinned server distribution from Maven Central, installed once
// into .tools/keycloak, run in dev mode on loopback ports with an in-memory database.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startChild } from './child';
import { freePort } from './ports';
import { python, TOOLS_DIR } from './tools';

/** 25.0.6 is the last release that runs on Java 17 (Keycloak 26 needs Java 21, which bookworm lacks). */
export const KEYCLOAK = {
  version: '25.0.6',
  sha256: 'cfec876e5f3c1849756ce2d4327c708ddc6e24a86ab939a69787f19b503d8e36',
} as const;

const DIST_URL = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK.version}/keycloak-quarkus-dist-${KEYCLOAK.version}.zip`;
const MIN_JAVA = 17;
const START_DEADLINE_MS = 120_000;

export interface KeycloakServer {
  baseUrl: string;
  adminUser: string;
  adminPassword: string;
  /** How long the server took from spawn to answering, in ms. */
  startMs: number;
  stop(): Promise<void>;
}

/** The Java major version on PATH (or JAVA_HOME), or undefined when there is none. */
export function javaVersion(): number | undefined {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  // `java -version` writes to stderr.
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return result.error ? undefined : parseJavaVersion(`${result.stderr}${result.stdout}`);
}

function parseJavaVersion(text: string): number | undefined {
  const match = /version "(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The Keycloak home in .tools/ (KEYCLOAK_HOME first when set), downloaded and checked on first use. */
export function keycloakHome(): string {
  if (process.env.KEYCLOAK_HOME) return process.env.KEYCLOAK_HOME;
  const home = join(TOOLS_DIR, 'keycloak', `keycloak-${KEYCLOAK.version}`);
  if (existsSync(join(home, 'bin', 'kc.sh'))) return home;
  const staging = join(TOOLS_DIR, 'keycloak', `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const zip = join(staging, 'keycloak.zip');
    console.error(`downloading Keycloak ${KEYCLOAK.version} from Maven Central …`);
    execFileSync('curl', ['-fsSL', '--retry', '3', '-o', zip, DIST_URL], { stdio: 'inherit' });
    const actual = createHash('sha256').update(readFileSync(zip)).digest('hex');
    if (actual !== KEYCLOAK.sha256) {
      throw new Error(
        `Keycloak download has sha256 ${actual}, expected ${KEYCLOAK.sha256}: refusing to use it`,
      );
    }
    // Python's zipfile, because a fresh machine may lack unzip; it drops the executable bits, so
    // the scripts get them back.
    execFileSync(python(), ['-m', 'zipfile', '-e', zip, staging], { stdio: 'inherit' });
    const unpacked = join(staging, `keycloak-${KEYCLOAK.version}`);
    const bin = join(unpacked, 'bin');
    for (const name of readdirSync(bin)) if (name.endsWith('.sh')) chmodSync(join(bin, name), 0o755);
    prebuild(unpacked);
    // Renamed into place only when complete, so an interrupted install is never taken for a finished one.
    try {
      renameSync(unpacked, home);
    } catch (error) {
      // Another process (a parallel test file) finished the same install first.
      if (!existsSync(join(home, 'bin', 'kc.sh'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return home;
}

/** Build-time options: changing them makes the next start rebuild the server (seconds, and a write into its home). */
const BUILD_OPTIONS = ['--db=dev-mem'];

/**
 * Runs dev mode's build step once at install time (it is what the first `start-dev` would do, and
 * takes about as long as a start), so no start rebuilds the server and parallel starts never write
 * into the same home at once.
 */
function prebuild(home: string): void {
  console.error('building Keycloak for dev mode …');
  execFileSync(join(home, 'bin', 'kc.sh'), ['start-dev', ...BUILD_OPTIONS], {
    cwd: home,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, JAVA_OPTS_APPEND: '-Dkc.config.build-and-exit=true' },
  });
  // The build's own scratch files; every server started later keeps its data in a temp directory.
  rmSync(join(home, 'data'), { recursive: true, force: true });
}

/** What stops Keycloak from running here, with the command that fixes it; undefined when nothing does. */
export function keycloakJavaProblem(): string | undefined {
  const found = javaVersion();
  if (found !== undefined && found >= MIN_JAVA) return undefined;
  const what = found === undefined ? 'no Java runtime was found' : `Java ${found} was found`;
  const fix = 'Install one with: apt-get install -y openjdk-17-jre-headless';
  return `Keycloak ${KEYCLOAK.version} needs Java ${MIN_JAVA} or later, but ${what}. ${fix}`;
}

/**
 * Starts Keycloak in dev mode on `port` (default: a free loopback port) with an in-memory database,
 * so nothing persists and several can run side by side. Its working files (the transaction log) go
 * to `workDir` (emptied first; default: a temporary directory), removed again when it stops. The
 * master realm's `admin` signs in with `adminPassword` (default: a random one).
 */
export async function startKeycloak(
  options: { port?: number; adminPassword?: string; workDir?: string } = {},
): Promise<KeycloakServer> {
  const javaProblem = keycloakJavaProblem();
  if (javaProblem) throw new Error(javaProblem);
  const home = keycloakHome();
  const port = options.port ?? (await freePort());
  const managementPort = await freePort();
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'jml-keycloak-')));
  if (options.workDir) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await mkdir(dir, { mode: 0o700 });
  }
  const adminUser = 'admin';
  const adminPassword = options.adminPassword ?? randomBytes(18).toString('base64url');
  const started = Date.now();
  const child = startChild(
    join(home, 'bin', 'kc.sh'),
    [
      'start-dev',
      ...BUILD_OPTIONS,
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      `--http-management-port=${managementPort}`,
      '--log-level=warn',
    ],
    {
      name: 'keycloak',
      cwd: dir,
      env: {
        ...process.env,
        // Keycloak 25 reads the bootstrap admin from these (26 renames them KC_BOOTSTRAP_ADMIN_*).
        KEYCLOAK_ADMIN: adminUser,
        KEYCLOAK_ADMIN_PASSWORD: adminPassword,
        JAVA_OPTS_APPEND: `-Dquarkus.transaction-manager.object-store.directory=${join(dir, 'transaction-logs')}`,
      },
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRealm(
      baseUrl,
      () => child.process.exitCode !== null,
      () => child.output(),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, adminUser, adminPassword, startMs: Date.now() - started, stop };
}

async function waitForRealm(baseUrl: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`Keycloak exited during startup:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}/realms/master`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Keycloak did not answer on ${baseUrl} within ${START_DEADLINE_MS} ms:\n${output()}`);
}
