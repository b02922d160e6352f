// Test access to the shared Temporal dev server that `npm test` starts, plus a worker per test file.
// Everything runs encrypted, as in production, with the tests' payload key (encryption.ts).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import type { LoadedConfig } from '../../config/load';
import { bundleWorkflows, readWorkflowBundle } from '../../scripts/lib/workflow-bundle';
import { createIdentityWorker } from '../../workers/identity-worker';
import { openTestEvidenceStore } from './evidence';
import { testDataConverter, useTestPayloadKey } from './encryption';

// Worker lifecycle chatter would bury test output; errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });
// What the tests start without a data converter of their own (startService, worker processes, npm
// start) reads the key from the environment.
useTestPayloadKey();

export function temporalAddress(): string {
  const address = process.env.JML_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'JML_TEST_TEMPORAL_ADDRESS is not set: run the tests with `npm test`, which starts a Temporal dev server',
    );
  }
  return address;
}

let bundle: Promise<WorkflowBundle> | undefined;
/** The workflow code: the bundle `npm test` made for the run, or one made once for this test process. */
export function workflowBundle(): Promise<WorkflowBundle> {
  const file = process.env.JML_TEST_WORKFLOW_BUNDLE;
  bundle ??= file ? Promise.resolve(readWorkflowBundle(file)) : bundleWorkflows();
  return bundle;
}

export interface TestWorker {
  client: Client;
  taskQueue: string;
  stop: () => Promise<void>;
}

/** An identity worker running on its own task queue of this connection (or `taskQueue`); `stop` ends it. */
export async function runTestWorker(
  connection: NativeConnection,
  namespace: string,
  loaded: LoadedConfig,
  taskQueue = `test-${randomUUID()}`,
): Promise<{ taskQueue: string; stop: () => Promise<void> }> {
  const evidence = await openTestEvidenceStore();
  const { worker, close } = await createIdentityWorker({
    evidence,
    connection,
    namespace,
    taskQueue,
    config: loaded.config,
    policy: loaded.policy,
    policyVersion: loaded.policyVersion,
    workflowBundle: await workflowBundle(),
    dataConverter: testDataConverter(),
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await close();
      await evidence.close();
    },
  };
}

/** A running identity worker on its own task queue, and a client for the shared server. */
export async function startTestWorker(loaded: LoadedConfig): Promise<TestWorker> {
  const address = temporalAddress();
  const connection = await NativeConnection.connect({ address });
  const worker = await runTestWorker(connection, 'default', loaded);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({
    connection: clientConnection,
    namespace: 'default',
    dataConverter: testDataConverter(),
  });
  return {
    client,
    taskQueue: worker.taskQueue,
    async stop() {
      await worker.stop();
      await connection.close();
      await clientConnection.close();
    },
  };
}
