// The two evidence backends one suite runs against: the embedded PGlite store and a real PostgreSQL
// server (Debian's, started once per test file). Each test gets a store of its own, a writable
// superuser connection to tamper with it behind jml's back, and the environment `jml audit` needs.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPg } from '../../evidence/pg-client';
import { openPglite } from '../../evidence/pglite-client';
import type { EvidenceLocation } from '../../evidence/settings';
import type { SqlClient } from '../../evidence/sql';
import { EvidenceStore } from '../../evidence/store';
import { publicKeyText } from '../../evidence/signing';
import { asSuperuser, startPostgres, type PostgresServer } from './postgres';

export interface EvidenceFixture {
  location: EvidenceLocation;
  signingKey: KeyObject;
  publicKey: KeyObject;
  open(): Promise<EvidenceStore>;
  /** A connection outside jml (the store must be closed for PGlite: one process, one opener). */
  raw(): Promise<SqlClient>;
  /** What `jml audit verify` needs to find this store and trust its checkpoints. */
  cliEnv: Record<string, string>;
}

export interface EvidenceBackend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new, empty store. */
  fresh(): Promise<EvidenceFixture>;
}

function fixture(location: EvidenceLocation, raw: () => Promise<SqlClient>, env: Record<string, string>) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    location,
    signingKey: privateKey,
    publicKey,
    open: () => EvidenceStore.open(location, privateKey),
    raw,
    cliEnv: { ...env, JML_EVIDENCE_PUBLIC_KEY: publicKeyText(publicKey), JML_EVIDENCE_SIGNING_KEY: '' },
  };
}

/** PGlite: the schema is made once in a template directory and copied for each test (initdb is slow). */
function pgliteBackend(): EvidenceBackend {
  let root: string;
  let template: string;
  let count = 0;
  return {
    name: 'PGlite',
    async start() {
      root = mkdtempSync(join(tmpdir(), 'jml-evidence-'));
      template = join(root, 'template', 'evidence');
      const { privateKey } = generateKeyPairSync('ed25519');
      await (await EvidenceStore.open({ kind: 'pglite', dir: template }, privateKey)).close();
    },
    async stop() {
      rmSync(root, { recursive: true, force: true });
      return Promise.resolve();
    },
    fresh() {
      count += 1;
      const dataDir = join(root, `store-${count}`);
      const dir = join(dataDir, 'evidence');
      cpSync(template, dir, { recursive: true });
      return Promise.resolve(
        fixture({ kind: 'pglite', dir }, () => openPglite(dir, { create: false }), {
          JML_DATA_DIR: dataDir,
          JML_EVIDENCE_URL: '',
        }),
      );
    },
  };
}

/** PostgreSQL: one server for the file, a database for each test. */
function postgresBackend(): EvidenceBackend {
  let server: PostgresServer;
  let dataDir: string;
  let count = 0;
  return {
    name: 'PostgreSQL',
    async start() {
      server = await startPostgres();
      dataDir = mkdtempSync(join(tmpdir(), 'jml-evidence-pg-'));
    },
    async stop() {
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async fresh() {
      count += 1;
      const database = `evidence_${count}`;
      await asSuperuser(server, (c) => c.query(`CREATE DATABASE ${database}`));
      const url = `postgres://${server.user}:${server.password}@${server.host}:${server.port}/${database}`;
      // The data directory holds no store: the CLI must not find one there instead of the server's.
      return fixture({ kind: 'postgres', url }, () => openPg(url), {
        JML_DATA_DIR: dataDir,
        JML_EVIDENCE_URL: url,
      });
    },
  };
}

export const EVIDENCE_BACKENDS: EvidenceBackend[] = [pgliteBackend(), postgresBackend()];

/** Runs SQL as someone who went around jml: the append-only triggers switched off for the transaction. */
export async function tamper(fixture: EvidenceFixture, work: (sql: SqlClient['query']) => Promise<unknown>) {
  const raw = await fixture.raw();
  try {
    await raw.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await work((text, params) => tx.query(text, params));
    });
  } finally {
    await raw.close();
  }
}
