// The jml service in one process: the identity worker and the HTTP API, on one Temporal connection.
import { employmentMemoryOf } from '../evidence/employment-memory';
import type { AddressInfo } from 'node:net';
import type { WorkflowBundle } from '@temporalio/worker';
import { createApi, type ApiOptions } from '../api/server';
import type { Logger } from '../common/logger';
import type { LoadedConfig, TemporalSettings } from '../config/load';
import type { IdentitySettings } from '../workflows/messages';
import { guardSettingsOf } from '../domain/termination-guard';
import type { EvidenceStore } from '../evidence/store';
import { openEvidenceStore } from './evidence-store';
import { createIdentityWorker } from './identity-worker';
import { identitySettingsOf } from './identity-settings';
import { reconciliationScheduleId, registerReconciliationSchedule } from './reconciliation-schedule';
import { checkSearchAttributes, connectClient, connectWorker } from './temporal';

export interface RunningService {
  apiUrl: string;
  stop: () => Promise<void>;
}

export interface ServiceOptions {
  loaded: LoadedConfig;
  temporal: TemporalSettings & { address: string };
  logger: Logger;
  /** Overrides the configured HTTP port (tests use 0 for a free one). */
  httpPort?: number;
  /** Overrides the HTTP server's limits (tests shorten the Temporal deadline). */
  httpLimits?: ApiOptions['limits'];
  workflowBundle?: WorkflowBundle;
  /** The evidence store, handed over (closed when the service stops); default: the configured one. */
  evidence?: EvidenceStore;
}

export function identitySettings(loaded: LoadedConfig): IdentitySettings {
  return identitySettingsOf(loaded.config);
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { loaded, temporal, logger } = options;
  const { config } = loaded;
  const client = await connectClient(temporal);
  await checkSearchAttributes(client, temporal.namespace);
  const connection = await connectWorker(temporal);
  const evidence = options.evidence ?? (await openEvidenceStore(config));
  const { worker, close } = await createIdentityWorker({
    evidence,
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    config,
    policy: loaded.policy,
    policyVersion: loaded.policyVersion,
    logger,
    workflowBundle: options.workflowBundle,
  });
  const running = worker.run();

  const api = await createApi({
    client,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    settings: identitySettings(loaded),
    guard: guardSettingsOf(config),
    employmentMemory: (employeeId) => employmentMemoryOf(evidence.reader, employeeId),
    hrWebhookSecret: config.http.hrWebhookSecret,
    apiToken: config.http.apiToken,
    personalTokenSecret: config.http.personalTokenSecret,
    personalTokenMaxLifetimeMs: config.http.personalTokenMaxLifetime,
    revokedPersonalTokens: config.http.revokedPersonalTokens,
    metricsToken: config.http.metricsToken,
    maxBodyBytes: config.http.maxBodyBytes,
    signatureToleranceMs: config.http.signatureTolerance,
    logger,
    workerRunning: () => worker.getState() === 'RUNNING',
    applicationIds: config.applications.map((app) => app.id),
    evidence,
    rosters: evidence.rosters,
    maxRosterBytes: config.http.maxRosterBytes,
    limits: options.httpLimits,
  });
  await api.listen({ port: options.httpPort ?? config.http.port, host: config.http.host });
  if (config.guard.enabled && config.guard.approvers.length === 0) {
    logger.warn(
      'guard.approvers is empty: terminations the mass-termination guard holds cannot be released until it names approvers',
    );
  }
  const schedule = await registerReconciliationSchedule(client, temporal.taskQueue, config.reconciliation);
  logger.info(
    {
      scheduleId: reconciliationScheduleId(temporal.taskQueue),
      schedule,
      interval: config.reconciliation.interval,
    },
    'reconciliation schedule registered',
  );
  const { port } = api.server.address() as AddressInfo;
  logger.info(
    { taskQueue: temporal.taskQueue, namespace: temporal.namespace, policyVersion: loaded.policyVersion },
    'worker running',
  );

  return {
    apiUrl: `http://${config.http.host}:${port}`,
    async stop() {
      await api.close();
      // The worker stops by itself on SIGINT/SIGTERM; otherwise ask it to.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await close();
      await evidence.close();
      await connection.close();
      await client.connection.close();
    },
  };
}
