// Reads the YAML configuration, resolves `{ env: NAME }` secrets and validates everything with zod.
// A bad file stops start-up with one line per problem, each naming the key.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { makeConfigSchema, type JmlConfig } from '../domain/config';
import { describeIssues } from '../domain/hr-event';

export const DEFAULT_CONFIG_PATH = 'config/jml.yaml';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(
      `invalid configuration in ${file}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

export interface LoadedConfig {
  path: string;
  config: JmlConfig;
  /** Content hash of the role rules: recorded in every plan as the policy version. */
  policyVersion: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.JML_CONFIG ?? DEFAULT_CONFIG_PATH);
}

export function loadConfig(path = configPath(), env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: (error as Error).message }]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '(yaml)', message: (error as Error).message }]);
  }
  const parsed = makeConfigSchema(env).safeParse(raw);
  if (!parsed.success) throw new ConfigError(path, describeIssues(parsed.error));
  return { path, config: parsed.data, policyVersion: policyVersionOf(parsed.data) };
}

export function policyVersionOf(config: JmlConfig): string {
  const digest = createHash('sha256').update(canonicalJson(config.roles)).digest('hex');
  return `sha256:${digest.slice(0, 12)}`;
}

/** JSON with object keys sorted, so that the same rules written in another order hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
});

export interface TemporalSettings {
  /** Absent: start the embedded dev server. */
  address?: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: {
    serverName?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
}

/** Temporal connection settings: the usual TEMPORAL_* variables override the file. */
export function temporalSettings(config: JmlConfig, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const parsed = temporalEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error));
  const e = parsed.data;
  const read = (name: keyof typeof e) => {
    const file = e[name];
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError('environment', [{ path: name, message: (error as Error).message }]);
    }
  };
  const cert = read('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const key = read('TEMPORAL_TLS_CLIENT_KEY_PATH');
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError('environment', [
      { path: 'TEMPORAL_TLS_CLIENT_CERT_PATH', message: 'client certificate and key must be set together' },
    ]);
  }
  const ca = read('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  // Any TLS setting (or an API key, which Temporal Cloud only accepts over TLS) turns TLS on.
  const wantsTls =
    e.TEMPORAL_TLS === 'true' ||
    Boolean(cert) ||
    Boolean(ca) ||
    Boolean(e.TEMPORAL_TLS_SERVER_NAME) ||
    Boolean(e.TEMPORAL_API_KEY);
  return {
    address: e.TEMPORAL_ADDRESS ?? config.temporal.address,
    namespace: e.TEMPORAL_NAMESPACE ?? config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    apiKey: e.TEMPORAL_API_KEY,
    tls:
      wantsTls && e.TEMPORAL_TLS !== 'false'
        ? {
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
            serverRootCACertificate: ca,
            clientCertPair: cert && key ? { crt: cert, key } : undefined,
          }
        : undefined,
  };
}
