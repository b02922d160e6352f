// The main job: the jml service on the embedded Temporal dev server (or TEMPORAL_ADDRESS), with the
// Temporal Web UI and the sample applications from the configuration.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { applyDevSecrets } from '../common/dev-secrets';
import { createLogger } from '../common/logger';
import { ConfigError, loadConfig, temporalSettings } from '../config/load';
import { installTemporalLogger } from '../workers/runtime-logger';
import { startService } from '../workers/service';
import { startDevServer } from './lib/temporal-dev-server';
import { createScimGroups, startScimServer } from './lib/scim-server';
import { DATA_DIR } from './lib/tools';

const logger = createLogger('jml');
installTemporalLogger(logger);

async function main(): Promise<void> {
  const generated = applyDevSecrets(process.env, true);
  if (generated.length)
    logger.info({ names: generated }, 'using development secrets from .data/dev-secrets.json');
  const loaded = loadConfig();
  const settings = temporalSettings(loaded.config);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: unknown) => logger.error({ err }, 'stop failed'));
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    let address = settings.address;
    if (!address) {
      mkdirSync(DATA_DIR, { recursive: true });
      const server = await startDevServer({
        dbFile: join(DATA_DIR, 'temporal.db'),
        port: 7233,
        uiPort: 8233,
      });
      stops.push(server.stop);
      address = server.address;
      logger.info({ address, ui: server.uiUrl }, 'embedded Temporal dev server started');
    }
    for (const sample of loaded.config.samples) {
      const app = await startScimServer({ token: sample.token, port: sample.port });
      stops.push(app.stop);
      await createScimGroups(app, sample.groups);
      logger.info({ baseUrl: app.baseUrl, groups: sample.groups }, 'sample SCIM application started');
    }
    const service = await startService({ loaded, temporal: { ...settings, address }, logger });
    stops.push(service.stop);
    logger.info(
      {
        api: service.apiUrl,
        ui: settings.address ? undefined : 'http://localhost:8233',
        config: loaded.path,
      },
      'jml is running: send an HR event with `npm run jml -- event examples/hire.json`',
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else logger.error({ err: error }, 'jml failed to start');
  process.exit(1);
});
