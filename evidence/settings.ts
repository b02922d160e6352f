// Where the store is and which keys it uses, from the configuration and the environment, validated
// with zod so that a bad URL or key is reported by name:
//   JML_EVIDENCE_URL          PostgreSQL URL; overrides the configuration's evidence.url
//   JML_EVIDENCE_SIGNING_KEY  Ed25519 private key that signs checkpoints (PKCS8 PEM or base64 DER)
//   JML_EVIDENCE_PUBLIC_KEY   public key(s) that verify them (SPKI PEM or base64 DER, comma-separated);
//                             absent: the public half of the signing key
// Without a URL the store is the embedded PGlite one in <data dir>/evidence.
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { postgresUrlSchema } from '../domain/config';
import { describeIssues } from '../domain/hr-event';
import { EvidenceSettingsError } from './errors';
import { openPg } from './pg-client';
import { openPglite } from './pglite-client';
import { publicKeysSchema, signingKeySchema } from './signing';
import type { SqlClient } from './sql';

export type EvidenceLocation = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };

const envSchema = z.object({
  JML_EVIDENCE_URL: postgresUrlSchema.optional(),
  JML_EVIDENCE_SIGNING_KEY: signingKeySchema.optional(),
  JML_EVIDENCE_PUBLIC_KEY: publicKeysSchema.optional(),
});

function parseEnv(env: NodeJS.ProcessEnv): z.output<typeof envSchema> {
  // Empty variables count as unset, as a shell's `VAR=` means.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) throw new EvidenceSettingsError(describeIssues(parsed.error));
  return parsed.data;
}

/** JML_EVIDENCE_URL, else the configured URL, else the embedded store under the data directory. */
export function evidenceLocation(options: {
  dataDir: string;
  configUrl?: string;
  env?: NodeJS.ProcessEnv;
}): EvidenceLocation {
  const url = parseEnv(options.env ?? process.env).JML_EVIDENCE_URL ?? options.configUrl;
  return url ? { kind: 'postgres', url } : { kind: 'pglite', dir: join(options.dataDir, 'evidence') };
}

/** The key that signs checkpoints; whoever writes evidence needs it. */
export function signingKeyFrom(env: NodeJS.ProcessEnv = process.env): KeyObject {
  const key = parseEnv(env).JML_EVIDENCE_SIGNING_KEY;
  if (!key) {
    throw new EvidenceSettingsError([
      {
        path: 'JML_EVIDENCE_SIGNING_KEY',
        message:
          'is not set: evidence checkpoints are signed with it (an Ed25519 private key, PKCS8 PEM or base64 DER)',
      },
    ]);
  }
  return key;
}

/** The keys that verify checkpoints: JML_EVIDENCE_PUBLIC_KEY, or the public half of the signing key. */
export function publicKeysFrom(env: NodeJS.ProcessEnv = process.env): KeyObject[] {
  const parsed = parseEnv(env);
  if (parsed.JML_EVIDENCE_PUBLIC_KEY) return parsed.JML_EVIDENCE_PUBLIC_KEY;
  if (parsed.JML_EVIDENCE_SIGNING_KEY) return [createPublicKey(parsed.JML_EVIDENCE_SIGNING_KEY)];
  throw new EvidenceSettingsError([
    {
      path: 'JML_EVIDENCE_PUBLIC_KEY',
      message:
        'is not set: checkpoints are verified with the public key of the signing key (jml audit public-key prints it)',
    },
  ]);
}

/** Connects to the store: `create` lets a writer start a new embedded store where there is none. */
export function connect(location: EvidenceLocation, options: { create: boolean }): Promise<SqlClient> {
  return location.kind === 'postgres' ? openPg(location.url) : openPglite(location.dir, options);
}
