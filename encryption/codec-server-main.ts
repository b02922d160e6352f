// The codec server as a process of its own (`npm run codec-server`): run it where the operators who
// may read personal data reach it, with the same JML_PAYLOAD_KEYS as the workers. `npm start` runs
// one inside its own process, wired to the embedded Temporal UI.
import { createLogger } from '../common/logger';
import { ConfigError } from '../config/load';
import { startCodecServer } from './codec-server';
import { codecServerSettings } from './codec-server-settings';

const logger = createLogger('jml-codec-server');

async function main(): Promise<void> {
  const server = await startCodecServer(codecServerSettings(process.env), logger);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  logger.error(error instanceof ConfigError ? error.message : error, 'codec server failed to start');
  process.exit(1);
});
