// A throwaway OpenLDAP server for integration tests: its own temp directory, config and loopback
// port, so tests exercise the real protocol, schema and ppolicy behaviour rather than a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/lib/ports';
import { Client } from 'ldapts';
import { escapeDnValue, GROUP_PLACEHOLDER_MEMBER } from '../../connectors/ldap/ldap-connector';
import { collectOutput } from './child-output';

export interface SlapdServer {
  url: string;
  bindDn: string;
  bindPassword: string;
  suffix: string;
  usersDn: string;
  groupsDn: string;
  stop(): Promise<void>;
}

const SUFFIX = 'dc=jml,dc=test';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const START_DEADLINE_MS = 15_000;
const SLAPD_CANDIDATES = ['/usr/sbin/slapd', '/usr/local/sbin/slapd', '/usr/local/libexec/slapd'];

/** Path of the slapd binary, or undefined when OpenLDAP is not installed. */
export function slapdAvailable(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'slapd'));
  return [...SLAPD_CANDIDATES, ...onPath].find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missingSlapdMessage(): string {
  const fix = 'Install it with: apt-get install -y slapd ldap-utils';
  if (process.env.CI === 'true') {
    return `slapd is not installed on this CI runner, so the LDAP integration tests cannot run. ${fix}`;
  }
  return `slapd (OpenLDAP server) was not found; the LDAP integration tests need it. ${fix}`;
}

/** Starts slapd on a free loopback port with a seeded directory; fails loudly if it cannot. */
export async function startSlapd(): Promise<SlapdServer> {
  const binary = slapdAvailable();
  if (!binary) throw new Error(missingSlapdMessage());

  const dir = await mkdtemp(join(tmpdir(), 'jml-slapd-'));
  const bindDn = `cn=admin,${SUFFIX}`;
  const bindPassword = randomBytes(18).toString('base64url');
  try {
    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}/`;
    const confPath = await writeConfig(dir, bindDn, bindPassword);
    const child = spawn(binary, ['-f', confPath, '-h', url, '-d', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child, 'slapd');
    const stop = () => stopSlapd(child, dir);
    try {
      await waitForBind(url, bindDn, bindPassword, child, output);
      await seed(url, bindDn, bindPassword);
    } catch (error) {
      await stop();
      throw error;
    }
    return {
      url,
      bindDn,
      bindPassword,
      suffix: SUFFIX,
      usersDn: `ou=people,${SUFFIX}`,
      groupsDn: `ou=groups,${SUFFIX}`,
      stop,
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function writeConfig(dir: string, rootDn: string, rootPassword: string): Promise<string> {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  // slapd 2.5 builds the ppolicy schema into the ppolicy module: there is no ppolicy.schema to include.
  const conf = [
    `include ${SCHEMA_DIR}/core.schema`,
    `include ${SCHEMA_DIR}/cosine.schema`,
    `include ${SCHEMA_DIR}/inetorgperson.schema`,
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload ppolicy',
    'moduleload memberof',
    'database mdb',
    // Keeps the memory map small: the default would reserve far more address space than tests need.
    'maxsize 104857600',
    `suffix "${SUFFIX}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${dataDir}`,
    'overlay memberof',
    'overlay ppolicy',
    `ppolicy_default "cn=default,ou=policies,${SUFFIX}"`,
    'ppolicy_use_lockout',
    '',
  ].join('\n');
  const path = join(dir, 'slapd.conf');
  await writeFile(path, conf, { mode: 0o600 });
  return path;
}

async function waitForBind(
  url: string,
  bindDn: string,
  password: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `slapd exited (code ${child.exitCode}, signal ${child.signalCode}) during startup:\n${output()}`,
      );
    }
    const client = new Client({ url, connectTimeout: 1_000, timeout: 2_000 });
    try {
      await client.bind(bindDn, password);
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.unbind().catch(() => undefined);
    }
    await sleep(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `slapd did not accept a bind within ${START_DEADLINE_MS}ms (${reason}). slapd output:\n${output()}`,
  );
}

async function stopSlapd(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(5_000, true, { ref: false })]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  await rm(dir, { recursive: true, force: true });
}

async function withAdmin<T>(
  server: Pick<SlapdServer, 'url' | 'bindDn' | 'bindPassword'>,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ url: server.url, connectTimeout: 5_000, timeout: 5_000 });
  try {
    await client.bind(server.bindDn, server.bindPassword);
    return await work(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function seed(url: string, bindDn: string, bindPassword: string): Promise<void> {
  await withAdmin({ url, bindDn, bindPassword }, async (client) => {
    await client.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'jml', o: 'jml' });
    for (const ou of ['people', 'groups', 'policies']) {
      await client.add(`ou=${ou},${SUFFIX}`, { objectClass: ['top', 'organizationalUnit'], ou });
    }
    await client.add(`cn=default,ou=policies,${SUFFIX}`, {
      objectClass: ['top', 'device', 'pwdPolicy'],
      cn: 'default',
      pwdAttribute: 'userPassword',
      pwdLockout: 'TRUE',
    });
  });
}

/**
 * Adds groupOfNames groups under groupsDn. groupOfNames requires a member, so each starts with the
 * connector's placeholder member, exactly as the connector leaves a group it has emptied.
 */
export async function createGroups(server: SlapdServer, names: string[]): Promise<void> {
  await withAdmin(server, async (client) => {
    for (const name of names) {
      await client.add(`cn=${escapeDnValue(name)},${server.groupsDn}`, {
        objectClass: ['top', 'groupOfNames'],
        cn: name,
        member: GROUP_PLACEHOLDER_MEMBER,
      });
    }
  });
}

/** Runs work as the directory administrator, for tests that set up or inspect entries directly. */
export async function asAdmin<T>(server: SlapdServer, work: (client: Client) => Promise<T>): Promise<T> {
  return withAdmin(server, work);
}
