// Builds the worker that runs identity workflows and their activities for one configuration.
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type State, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { reconciliationActivities } from '../activities/reconciliation';
import { submitHrEvent } from '../api/intake';
import { evidenceActivities } from '../activities/evidence';
import { terminationGuardActivities } from '../activities/termination-guard';
import { deliverHrEvent } from '../api/intake';
import { guardSettingsOf, terminationGuardTaskQueue } from '../domain/termination-guard';
import { withEvidenceMetrics } from '../activities/evidence-metrics';
import type { Logger } from '../common/logger';
import type { Connector } from '../connectors/connector';
import { createConnectors, createTaskChannels } from '../connectors/registry';
import type { JmlConfig } from '../domain/config';
import type { Policy } from '../domain/policy-schema';
import type { EvidenceStore } from '../evidence/store';
import { dataConverterFromEnv } from '../encryption/data-converter';
import { identitySettingsOf } from './identity-settings';
import { watchLimitShares } from './limit-shares';
import { employmentMemoryOf } from '../evidence/employment-memory';
import { applicationTaskQueues, isLimited } from '../domain/application-queues';
import { eagerActivitySlots } from './eager-activities';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

export interface IdentityWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  config: JmlConfig;
  policy: Policy;
  policyVersion: string;
  /** Pre-built workflow code (tests bundle once); by default the worker bundles workflows/. */
  workflowBundle?: WorkflowBundle;
  /** Receives approver notifications. */
  logger?: Logger;
  /** Connectors to use instead of the configured ones. */
  connectors?: Map<string, Connector>;
  /**
   * Where every step's evidence is appended (evidence/), and what reconciliation reads and reports
   * there; the caller opens and closes it.
   */
  evidence: Pick<EvidenceStore, 'append' | 'appendAll' | 'reader'>;
  /**
   * Encrypts and decrypts payloads and failure messages (encryption/); default: the keys from the
   * environment. A workflowBundle should be built with its `failureConverterPath`.
   */
  dataConverter?: DataConverter;
}

/** The activities that call an application, the only ones its own task queue is given. */
function applicationCallsOf(all: ReturnType<typeof createActivities>) {
  return {
    provisionInApp: all.provisionInApp.bind(all),
    revokeInApp: all.revokeInApp.bind(all),
    deprovisionInApp: all.deprovisionInApp.bind(all),
    readAppState: all.readAppState.bind(all),
  };
}

/** Tests run workers without a logger; task notices then only reach the workflow's records. */
const silentLog = { info: () => undefined };

/** The workers of one process, run and stopped together. */
export interface IdentityWorkers {
  run(): Promise<void>;
  /** RUNNING while every one of them is. */
  getState(): State;
  shutdown(): void;
}

export async function createIdentityWorker(
  options: IdentityWorkerOptions,
): Promise<{ worker: IdentityWorkers; close: () => Promise<void> }> {
  const connectors = options.connectors ?? createConnectors(options.config.applications);
  const applicationQueues = applicationTaskQueues(options.taskQueue, options.config.applications);
  const connected = {
    connection: options.connection,
    namespace: options.namespace,
    // One identity for all of this process's workers: the count of processes sharing an application's
    // limits (limit-shares.ts) is the count of identities polling its task queue.
    identity: `${process.pid}@${hostname()}/${randomUUID().slice(0, 8)}`,
    dataConverter: options.dataConverter ?? dataConverterFromEnv(),
  };
  const common = {
    ...connected,
    // A workflow cached on a worker that died waits this long before another worker takes it (default 10 s).
    stickyQueueScheduleToStartTimeout: '2s',
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
  };
  const evidence = evidenceActivities(
    withEvidenceMetrics(options.evidence, {
      joinerLeadTimeMs: options.config.lifecycle.joinerLeadTime,
      appIds: options.config.applications.map((app) => app.id),
    }),
  );
  // Released terminations go to the people's workflows the way the intake delivers HR events.
  const employmentMemory = (employeeId: string) => employmentMemoryOf(options.evidence.reader, employeeId);
  const guardActivities = terminationGuardActivities({
    deliver: (intake, event) => deliverHrEvent({ ...intake, employmentMemory }, event),
    logger: options.logger,
  });
  // The mass-termination guard on a task queue of its own (domain/termination-guard.ts).
  const guardWorker = await Worker.create({
    ...common,
    taskQueue: terminationGuardTaskQueue(options.taskQueue),
    activities: { ...guardActivities, ...evidence },
  });
  const identityActivities = createActivities({
    config: options.config,
    policy: options.policy,
    policyVersion: options.policyVersion,
    connectors,
    taskChannels: createTaskChannels(options.config.applications, options.logger ?? silentLog),
    logger: options.logger,
    applicationQueues,
  });
  // Each limited application's calls, on its own task queue: Temporal hands them out across every
  // worker no faster than its rateLimit, and this process takes no more than its share at once.
  const applicationWorkers = await Promise.all(
    options.config.applications.filter(isLimited).map((app) =>
      // Activities only: no workflow runs on an application's queue.
      Worker.create({
        ...connected,
        taskQueue: applicationQueues[app.id]!,
        activities: applicationCallsOf(identityActivities),
        ...(app.rateLimit !== undefined && { maxTaskQueueActivitiesPerSecond: app.rateLimit }),
        ...(app.maxConcurrency !== undefined && { maxConcurrentActivityTaskExecutions: app.maxConcurrency }),
      }),
    ),
  );
  const shares = watchLimitShares({
    connection: options.connection,
    namespace: options.namespace,
    queues: options.config.applications.flatMap((app) => {
      const limiter = connectors.get(app.id)?.limiter;
      const taskQueue = applicationQueues[app.id];
      return limiter && taskQueue ? [{ taskQueue, limiter }] : [];
    }),
    logger: options.logger,
  });
  const main = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    maxEagerActivityReservationsPerWorkflowTask: eagerActivitySlots(options.config.applications.length),
    activities: {
      ...identityActivities,
      // A guard started before it had a queue of its own runs here.
      ...guardActivities,
      ...reconciliationActivities({
        config: options.config,
        connectors,
        store: options.evidence.reader,
        submit: (client, event) =>
          submitHrEvent(
            {
              client,
              taskQueue: options.taskQueue,
              settings: identitySettingsOf(options.config),
              // Terminations a reconciliation sends are admitted by the mass-termination guard too.
              guard: guardSettingsOf(options.config),
              employmentMemory,
            },
            event,
          ),
      }),
      // Each record newly written is counted in the process's lifecycle metrics (GET /metrics).
      ...evidence,
    },
  });
  const workers = [main, guardWorker, ...applicationWorkers];
  const worker: IdentityWorkers = {
    run: async () => {
      // One stopping (a fatal error) stops the other, so the process never runs half a worker.
      await Promise.all(
        workers.map((w) =>
          w.run().finally(() => workers.forEach((o) => o.getState() === 'RUNNING' && o.shutdown())),
        ),
      );
    },
    getState: () => workers.find((w) => w.getState() !== 'RUNNING')?.getState() ?? 'RUNNING',
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
  };
  const close = async () => {
    shares.stop();
    await Promise.all([...connectors.values()].map((c) => c.close()));
  };
  return { worker, close };
}
