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
  evidence: Pick<EvidenceStore, 'append' | 'reader'>;
  /**
   * Encrypts and decrypts payloads and failure messages (encryption/); default: the keys from the
   * environment. A workflowBundle should be built with its `failureConverterPath`.
   */
  dataConverter?: DataConverter;
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
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter ?? dataConverterFromEnv(),
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
  const guardActivities = terminationGuardActivities({ deliver: deliverHrEvent, logger: options.logger });
  // The mass-termination guard on a task queue of its own (domain/termination-guard.ts).
  const guardWorker = await Worker.create({
    ...common,
    taskQueue: terminationGuardTaskQueue(options.taskQueue),
    activities: { ...guardActivities, ...evidence },
  });
  const main = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    activities: {
      ...createActivities({
        config: options.config,
        policy: options.policy,
        policyVersion: options.policyVersion,
        connectors,
        taskChannels: createTaskChannels(options.config.applications, options.logger ?? silentLog),
        logger: options.logger,
      }),
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
            },
            event,
          ),
      }),
      // Each record newly written is counted in the process's lifecycle metrics (GET /metrics).
      ...evidence,
    },
  });
  const workers = [main, guardWorker];
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
    await Promise.all([...connectors.values()].map((c) => c.close()));
  };
  return { worker, close };
}
