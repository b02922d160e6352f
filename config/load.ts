// Reads the YAML configuration, resolves `{ env: NAME }` secrets and validates everything with zod.
// A bad file stops start-up with one line per problem, each naming the key.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { makeConfigSchema, type JmlConfig } from '../domain/config';
import { makePolicySchema, type Policy } from '../domain/policy-schema';
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

export interface LoadedPolicy {
  policyPath: string;
  policy: Policy;
  /** `<version>@sha256:<content hash>`: recorded in every plan, so an edit without a new version still shows. */
  policyVersion: string;
}

export interface LoadedConfig extends LoadedPolicy {
  path: string;
  config: JmlConfig;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.JML_CONFIG ?? DEFAULT_CONFIG_PATH);
}

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: (error as Error).message }]);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '(yaml)', message: (error as Error).message }]);
  }
}

/** Loads the configuration and the policy file it names (relative to the configuration file). */
export function loadConfig(path = configPath(), env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const config = parseOrThrow(path, makeConfigSchema(env), readYaml(path));
  const policyPath = resolve(dirname(path), config.policy);
  return { path, config, ...policyFrom(policyPath, readYaml(policyPath), appIdsOf(config)) };
}

/** Loads a policy file; with the configured application ids, also checks it names only those. */
export function loadPolicy(path: string, configuredApps?: string[]): LoadedPolicy {
  return policyFrom(path, readYaml(path), configuredApps);
}

/** Validates a configuration and a policy given as objects (the same checks as the files get). */
export function configFromObjects(raw: unknown, rawPolicy: unknown, env: NodeJS.ProcessEnv): LoadedConfig {
  const config = parseOrThrow('(configuration)', makeConfigSchema(env), raw);
  return { path: '(configuration)', config, ...policyFrom('(policy)', rawPolicy, appIdsOf(config)) };
}

function policyFrom(path: string, raw: unknown, configuredApps?: string[]): LoadedPolicy {
  const policy = parseOrThrow(path, makePolicySchema(configuredApps), raw);
  return { policyPath: path, policy, policyVersion: policyVersionOf(policy) };
}

function parseOrThrow<S extends z.ZodType>(path: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(path, describeIssues(parsed.error));
  return parsed.data;
}

/** The applications a policy may name: the configured ones, and those samples bring while they run. */
const appIdsOf = (config: JmlConfig) => [
  ...config.applications.map((a) => a.id),
  ...config.samples.flatMap((s) => ('application' in s ? [s.application.id] : [])),
];

export function policyVersionOf(policy: Policy): string {
  const digest = createHash('sha256').update(canonicalJson(policy)).digest('hex');
  return `${policy.version}@sha256:${digest.slice(0, 12)}`;
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
