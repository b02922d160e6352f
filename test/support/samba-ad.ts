// A throwaway Active Directory domain controller for integration tests: Samba's own AD DC, provisioned
// with `samba-tool domain provision` into a temp directory and run in the foreground with only its
// LDAP service. Samba's LDAP ports are fixed (389, 636), so each server gets a loopback address of its
// own (127.x.y.z) instead of a port, and a certificate for that address from a throwaway CA, so the
// tests speak ldaps:// with verification on, as production must.
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { escapeDnValue } from '../../connectors/ldap/dn';
import { startChild, type ManagedChild } from '../../scripts/lib/child';

export interface SambaDc {
  /** ldaps://<address>:636 */
  url: string;
  /** The PEM file of the CA that signed the server's certificate. */
  caFile: string;
  bindDn: string;
  bindPassword: string;
  domainDn: string;
  /** The DNS name of the domain, which is also the userPrincipalName suffix. */
  dnsDomain: string;
  usersDn: string;
  groupsDn: string;
  stop(): Promise<void>;
}

const REALM = 'JML.TEST';
const DOMAIN_DN = 'DC=jml,DC=test';
const LDAP_PORTS = [389, 636, 3268, 3269];
const START_DEADLINE_MS = 30_000;
const run = promisify(execFile);

interface SambaTools {
  samba: string;
  sambaTool: string;
  openssl: string;
}

const CANDIDATES = {
  samba: ['/usr/sbin/samba', '/usr/local/samba/sbin/samba'],
  sambaTool: ['/usr/bin/samba-tool', '/usr/local/samba/bin/samba-tool'],
  openssl: ['/usr/bin/openssl'],
};

/** The Samba AD and OpenSSL binaries, or the names of those that are missing. */
export function sambaTools(): SambaTools | { missing: string[] } {
  const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name));
  const samba = [...CANDIDATES.samba, ...onPath('samba')].find(isExecutable);
  const sambaTool = [...CANDIDATES.sambaTool, ...onPath('samba-tool')].find(isExecutable);
  const openssl = [...CANDIDATES.openssl, ...onPath('openssl')].find(isExecutable);
  if (samba && sambaTool && openssl) return { samba, sambaTool, openssl };
  const missing = [!samba && 'samba', !sambaTool && 'samba-tool', !openssl && 'openssl'].filter(
    (name): name is string => typeof name === 'string',
  );
  return { missing };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function cannotRun(why: string): Error {
  const where = process.env.CI === 'true' ? 'on this CI runner' : 'here';
  return new Error(`the Active Directory integration tests cannot run ${where}: ${why}`);
}

/** Provisions a fresh domain and starts its DC on a loopback address of its own; fails loudly if it cannot. */
export async function startSambaDc(): Promise<SambaDc> {
  const tools = sambaTools();
  if ('missing' in tools) {
    throw cannotRun(
      `${tools.missing.join(', ')} not found. Install with: apt-get install -y samba samba-ad-provision samba-dsdb-modules openssl`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw cannotRun("Samba's AD DC runs as root and listens on the fixed LDAP ports 389 and 636");
  }
  const dir = await mkdtemp(join(tmpdir(), 'jml-samba-ad-'));
  try {
    const address = await freeLoopbackAddress();
    // AD's default policy asks for three kinds of character; the random part is base64url.
    const bindPassword = `Jml-${randomBytes(18).toString('base64url')}-9x`;
    await provision(tools, dir, bindPassword);
    const tls = await makeCertificate(tools, dir, address);
    const conf = await writeConfig(dir, address, tls);
    // One process (-M single) in the foreground, in the process group startChild gives it, so that it
    // is stopped with the tests even when they are killed.
    const child = startChild(
      tools.samba,
      ['-s', conf, '--foreground', '--no-process-group', '--debug-stdout', '-M', 'single'],
      { cwd: dir, name: 'samba' },
    );
    const dc: SambaDc = {
      url: `ldaps://${address}:636`,
      caFile: tls.caFile,
      bindDn: `CN=Administrator,CN=Users,${DOMAIN_DN}`,
      bindPassword,
      domainDn: DOMAIN_DN,
      dnsDomain: REALM.toLowerCase(),
      usersDn: `OU=People,${DOMAIN_DN}`,
      groupsDn: `OU=Groups,${DOMAIN_DN}`,
      stop: async () => {
        await child.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    try {
      await waitForBind(dc, child);
      await asDomainAdmin(dc, async (client) => {
        for (const dn of [dc.usersDn, dc.groupsDn]) {
          await client.add(dn, { objectClass: ['top', 'organizationalUnit'] });
        }
      });
    } catch (error) {
      await dc.stop();
      throw error;
    }
    return dc;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A 127.x.y.z address on which none of the DC's LDAP ports is taken. */
async function freeLoopbackAddress(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    const free = await Promise.all(LDAP_PORTS.map((port) => canListen(address, port)));
    if (free.every(Boolean)) return address;
  }
  throw new Error('found no loopback address with ports 389, 636, 3268 and 3269 free');
}

function canListen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

async function provision(tools: SambaTools, dir: string, adminPassword: string): Promise<void> {
  await run(
    tools.sambaTool,
    [
      'domain',
      'provision',
      `--targetdir=${join(dir, 'dc')}`,
      `--realm=${REALM}`,
      '--domain=JML',
      '--server-role=dc',
      '--dns-backend=NONE',
      '--host-name=dc1',
      '--use-rfc2307',
      `--adminpass=${adminPassword}`,
    ],
    { cwd: dir },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    const said = `${error.stderr ?? ''}${error.stdout ?? ''}`.slice(-4_000) || error.message;
    throw new Error(`samba-tool domain provision failed:\n${said}`);
  });
}

interface Certificate {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A throwaway CA and a server certificate for the DC's address, with P-256 keys (quick to make). */
async function makeCertificate(tools: SambaTools, dir: string, address: string): Promise<Certificate> {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'];
  await run(tools.openssl, [
    'req',
    '-x509',
    ...ec,
    '-subj',
    '/CN=jml test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  ]);
  await run(tools.openssl, [
    'req',
    '-x509',
    ...ec,
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-subj',
    '/CN=dc1.jml.test',
    '-addext',
    `subjectAltName=IP:${address},DNS:dc1.jml.test`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-keyout',
    file('dc.key'),
    '-out',
    file('dc.pem'),
  ]);
  return { caFile: file('ca.pem'), certFile: file('dc.pem'), keyFile: file('dc.key') };
}

/**
 * The DC's smb.conf, written over the one provision made: every path in the temp directory (a second
 * DC on the machine shares nothing), only the LDAP service, and only the DC's own address.
 */
async function writeConfig(dir: string, address: string, tls: Certificate): Promise<string> {
  const dc = join(dir, 'dc');
  const conf = [
    '[global]',
    'netbios name = DC1',
    `realm = ${REALM}`,
    'workgroup = JML',
    'server role = active directory domain controller',
    'server services = ldap',
    `interfaces = ${address}/8`,
    'bind interfaces only = yes',
    `private dir = ${join(dc, 'private')}`,
    `state directory = ${join(dc, 'state')}`,
    `cache directory = ${join(dc, 'cache')}`,
    `lock directory = ${dc}`,
    `pid directory = ${dc}`,
    `ncalrpc dir = ${join(dc, 'ncalrpc')}`,
    `binddns dir = ${join(dc, 'bind-dns')}`,
    `log file = ${join(dc, 'log.%m')}`,
    'tls enabled = yes',
    `tls keyfile = ${tls.keyFile}`,
    `tls certfile = ${tls.certFile}`,
    `tls cafile = ${tls.caFile}`,
    '',
  ].join('\n');
  const path = join(dc, 'etc', 'smb.conf');
  await writeFile(path, conf, { mode: 0o600 });
  return path;
}

async function waitForBind(dc: SambaDc, child: ManagedChild): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = child.process;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(
        `samba exited (code ${exitCode}, signal ${signalCode}) during startup:\n${child.output()}`,
      );
    }
    try {
      await asDomainAdmin(dc, () => Promise.resolve());
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `samba did not accept an ldaps bind within ${START_DEADLINE_MS}ms (${reason}). samba output:\n${child.output()}`,
  );
}

/** Opens an ldaps connection that trusts the DC's CA, binds as dn, runs work and unbinds. */
export async function bindAs<T>(
  dc: Pick<SambaDc, 'url' | 'caFile'>,
  dn: string,
  password: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    url: dc.url,
    connectTimeout: 5_000,
    timeout: 5_000,
    tlsOptions: { ca: await readFile(dc.caFile) },
  });
  try {
    await client.bind(dn, password);
    return await work(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Runs work as the domain's Administrator, for tests that set up or inspect objects directly. */
export function asDomainAdmin<T>(dc: SambaDc, work: (client: Client) => Promise<T>): Promise<T> {
  return bindAs(dc, dc.bindDn, dc.bindPassword, work);
}

/** Adds global security groups under groupsDn; unlike groupOfNames, an AD group may be empty. */
export async function createAdGroups(dc: SambaDc, names: string[]): Promise<void> {
  await asDomainAdmin(dc, async (client) => {
    for (const name of names) {
      await client.add(`CN=${escapeDnValue(name)},${dc.groupsDn}`, {
        objectClass: ['top', 'group'],
        // sAMAccountName is unique across the domain and refuses some characters: one is made up.
        sAMAccountName: `jml-group-${randomBytes(6).toString('hex')}`,
      });
    }
  });
}
