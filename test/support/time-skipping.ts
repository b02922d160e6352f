// A worker on Temporal's time-skipping test server: timers of days or months pass in moments, while
// activities still talk to real applications. Each test file gets its own server.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../../config/load';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import { temporalTestServer } from '../../scripts/lib/tools';
import { testDataConverter } from './encryption';
import { runTestWorker } from './temporal';

export interface TimeSkippingWorker {
  env: TestWorkflowEnvironment;
  client: Client;
  taskQueue: string;
  stop: () => Promise<void>;
}

/** temporal.api.enums.v1.IndexedValueType numbers for the search attribute types jml uses. */
const INDEXED_VALUE_TYPE = { KEYWORD: 2, INT: 3, BOOL: 5 } as const;

export async function startTimeSkippingWorker(loaded: LoadedConfig): Promise<TimeSkippingWorker> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServer() } },
    client: { dataConverter: testDataConverter() },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]]),
    ),
  });
  const worker = await runTestWorker(env.nativeConnection, env.namespace ?? 'default', loaded);
  return {
    env,
    client: env.client,
    taskQueue: worker.taskQueue,
    async stop() {
      await worker.stop();
      await env.teardown();
    },
  };
}
