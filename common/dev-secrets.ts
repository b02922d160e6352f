// Development secrets: when the webhook secret, API token, personal-token secret, sample-app token, payload
// encryption key, codec-server token or evidence signing key is not set, `npm start` generates them once
// into .data/dev-secrets.json (mode 0600; see data-dir.ts) and the CLI reads them from there.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newPayloadKeysValue } from '../encryption/payload-keys';
import { newSigningKeyText } from '../evidence/signing';
import { DATA_DIR } from './data-dir';

export const DEV_SECRET_NAMES = [
  'JML_HR_WEBHOOK_SECRET',
  'JML_API_TOKEN',
  'JML_PERSONAL_TOKEN_SECRET',
  'SAMPLE_SCIM_TOKEN',
  // The Keycloak and PostgreSQL samples' administrators (admin, postgres), when they run.
  'SAMPLE_ADMIN_PASSWORD',
  'JML_PAYLOAD_KEYS',
  'JML_CODEC_TOKEN',
  'JML_EVIDENCE_SIGNING_KEY',
] as const;

type DevSecretName = (typeof DEV_SECRET_NAMES)[number];

/** A new random value in the form the secret takes (encryption/payload-keys.ts for the payload key). */
function generate(name: DevSecretName): string {
  if (name === 'JML_PAYLOAD_KEYS') return newPayloadKeysValue('dev');
  if (name === 'JML_EVIDENCE_SIGNING_KEY') return newSigningKeyText();
  return randomBytes(24).toString('base64url');
}
export const DEV_SECRETS_FILE = join(DATA_DIR, 'dev-secrets.json');

function readFile(): Record<string, string> {
  return existsSync(DEV_SECRETS_FILE)
    ? (JSON.parse(readFileSync(DEV_SECRETS_FILE, 'utf8')) as Record<string, string>)
    : {};
}

/** Fills unset secrets from the file; with `create`, generates and saves the ones it lacks. */
export function applyDevSecrets(env: NodeJS.ProcessEnv, create: boolean): string[] {
  const stored = readFile();
  const filled: string[] = [];
  for (const name of DEV_SECRET_NAMES) {
    if (env[name]) continue;
    if (!stored[name] && create) stored[name] = generate(name);
    if (stored[name]) {
      env[name] = stored[name];
      filled.push(name);
    }
  }
  if (create && filled.length) {
    mkdirSync(dirname(DEV_SECRETS_FILE), { recursive: true });
    writeFileSync(DEV_SECRETS_FILE, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return filled;
}
