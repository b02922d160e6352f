// The sample applications of `npm start` (the configuration's `samples`): which of them this start
// runs, the ports they need, and starting each. SCIM samples always run. Keycloak and PostgreSQL
// samples run only when JML_SAMPLES names their kind (JML_SAMPLES=keycloak,postgres), because
// Keycloak takes many seconds to start (and is downloaded on first use) and PostgreSQL needs a
// system package; each brings its own application, which is configured only while it runs.
import { z } from 'zod';
import type { ApplicationConfig, SampleConfig } from '../../domain/config';
import type { LoadedConfig } from '../../config/load';
import { ConfigError } from '../../config/load';
import { keycloakJavaProblem } from './keycloak';
import { startKeycloakSample } from './keycloak-sample';
import { POSTGRES_MISSING, postgresBinDir } from './postgres';
import { startPostgresSample } from './postgres-sample';
import { StartRefused } from './run-record';
import { createScimGroups, startScimServer } from './scim-server';

/** The kinds of sample that run only when asked for. */
export const OPTIONAL_SAMPLE_KINDS = ['keycloak', 'postgres'] as const;

const WHAT: Record<SampleConfig['kind'], string> = {
  scim: 'sample SCIM application',
  keycloak: 'sample Keycloak',
  postgres: 'sample PostgreSQL',
};

export interface SampleOptions {
  /** The data directory: the samples' working files go under its `samples/`. */
  dataDir: string;
  /** The password of the Keycloak and PostgreSQL samples' administrators (`admin`, `postgres`). */
  adminPassword: string;
}

export interface RunningSample {
  what: string;
  /** What to log about it: where it is and what it holds, never a secret. */
  summary: Record<string, unknown>;
  /** The application it brings, configured while it runs. */
  application?: ApplicationConfig;
  stop: () => Promise<void>;
}

const requestedKinds = z.array(
  z.enum(OPTIONAL_SAMPLE_KINDS, {
    error: (issue) =>
      `"${String(issue.input)}" is not a sample that can be switched on (${OPTIONAL_SAMPLE_KINDS.join(', ')})`,
  }),
);

/**
 * The samples this start runs: the SCIM ones, and those JML_SAMPLES names (a comma-separated list of
 * kinds). A name that is not an optional kind, or that the configuration has no sample of, is refused.
 */
export function chooseSamples(loaded: LoadedConfig, env: NodeJS.ProcessEnv): SampleConfig[] {
  const names = (env.JML_SAMPLES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const parsed = requestedKinds.safeParse(names);
  const problems = parsed.success
    ? parsed.data
        .filter((kind) => !loaded.config.samples.some((s) => s.kind === kind))
        .map((kind) => `there is no ${kind} sample under samples in ${loaded.path}`)
    : parsed.error.issues.map((issue) => issue.message);
  if (problems.length)
    throw new ConfigError(
      'environment',
      problems.map((message) => ({ path: 'JML_SAMPLES', message })),
    );
  const wanted = new Set<string>(parsed.data);
  return loaded.config.samples.filter((s) => s.kind === 'scim' || wanted.has(s.kind));
}

/** The ports the samples listen on, to be checked before anything starts. */
export function samplePorts(samples: SampleConfig[]): { port: number; what: string }[] {
  return samples.map((s) => ({ port: s.port, what: WHAT[s.kind] }));
}

/**
 * Refuses, before anything starts, samples whose server this machine lacks, naming what to install.
 * (Keycloak itself is downloaded into .tools/ when it starts.)
 */
export function checkSampleRequirements(samples: SampleConfig[]): void {
  const problems = new Set<string>();
  for (const { kind } of samples) {
    if (kind === 'postgres' && !postgresBinDir()) problems.add(`the postgres sample: ${POSTGRES_MISSING}`);
    const java = kind === 'keycloak' ? keycloakJavaProblem() : undefined;
    if (java) problems.add(`the keycloak sample: ${java}`);
  }
  if (problems.size) throw new StartRefused(`cannot start ${[...problems].join('; ')}`);
}

/** Starts one sample; a sample that fails half-way is stopped again before the error is thrown. */
export async function startSample(sample: SampleConfig, options: SampleOptions): Promise<RunningSample> {
  switch (sample.kind) {
    case 'scim': {
      const app = await startScimServer({ token: sample.token, port: sample.port });
      try {
        await createScimGroups(app, sample.groups);
      } catch (error) {
        await app.stop();
        throw error;
      }
      return { what: WHAT.scim, summary: { baseUrl: app.baseUrl, groups: sample.groups }, stop: app.stop };
    }
    case 'keycloak':
      return startKeycloakSample(sample, options);
    case 'postgres':
      return startPostgresSample(sample, options);
  }
}

/** The configuration with the applications the running samples bring. */
export function withSampleApplications(loaded: LoadedConfig, running: RunningSample[]): LoadedConfig {
  const brought = running.flatMap((s) => (s.application ? [s.application] : []));
  if (!brought.length) return loaded;
  return {
    ...loaded,
    config: { ...loaded.config, applications: [...loaded.config.applications, ...brought] },
  };
}
