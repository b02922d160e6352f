// The identity worker as a process of its own, without the HTTP API (`npm run worker`): run several
// on one task queue, on one machine or many, against a Temporal cluster (TEMPORAL_ADDRESS or
// `temporal.address`). Workers are stateless: any of them picks up what another left unfinished.
// Every worker needs the same payload keys (JML_PAYLOAD_KEYS, encryption/payload-keys.ts).
import { createLogger } from '../common/logger';
import { processMetricsRegistry } from '../common/metrics';
import { ConfigError, loadConfig, temporalSettings } from '../config/load';
import { encryptedDataConverter } from '../encryption/data-converter';
import { payloadKeysFromEnv } from '../encryption/payload-keys';
import { openEvidenceStore } from './evidence-store';
import { createIdentityWorker } from './identity-worker';
import { metricsListenFromEnv, serveMetrics } from './metrics-server';
import { reconciliationScheduleId, registerReconciliationSchedule } from './reconciliation-schedule';
import { checkSearchAttributes, connectClient, connectWorker } from './temporal';

const logger = createLogger('jml-worker');

async function main(): Promise<void> {
  const loaded = loadConfig();
  const settings = temporalSettings(loaded.config);
  const { address } = settings;
  if (!address) {
    throw new ConfigError('configuration', [
      {
        path: 'temporal.address',
        message: 'a worker of its own needs a Temporal server (or set TEMPORAL_ADDRESS)',
      },
    ]);
  }
  const keys = payloadKeysFromEnv();
  const metricsListen = metricsListenFromEnv(process.env);
  const dataConverter = encryptedDataConverter(keys);
  const client = await connectClient({ ...settings, address }, dataConverter);
  await checkSearchAttributes(client, settings.namespace);
  const schedule = await registerReconciliationSchedule(
    client,
    settings.taskQueue,
    loaded.config.reconciliation,
  );
  logger.info(
    { scheduleId: reconciliationScheduleId(settings.taskQueue), schedule },
    'reconciliation schedule registered',
  );
  await client.connection.close();
  const connection = await connectWorker({ ...settings, address });
  const evidence = await openEvidenceStore(loaded.config);
  const { worker, close } = await createIdentityWorker({
    evidence,
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    config: loaded.config,
    policy: loaded.policy,
    policyVersion: loaded.policyVersion,
    logger,
    dataConverter,
  });
  // The lifecycle events this worker writes are counted in its own process: served if asked for.
  const metrics =
    metricsListen &&
    (await serveMetrics({
      registry: processMetricsRegistry(),
      tokens: { apiToken: loaded.config.http.apiToken, metricsToken: loaded.config.http.metricsToken },
      listen: metricsListen,
      logger,
    }));
  logger.info(
    { taskQueue: settings.taskQueue, namespace: settings.namespace, payloadKeyId: keys.writeKeyId },
    'worker running',
  );
  // Stops on SIGINT/SIGTERM once the tasks in hand are done (the SDK's shutdown signals).
  await worker.run();
  await metrics?.stop();
  await close();
  await evidence.close();
  await connection.close();
}

main().catch((error: unknown) => {
  logger.error(error instanceof ConfigError ? error.message : error, 'worker failed to start');
  process.exit(1);
});
