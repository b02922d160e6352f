// The main job: the jml service on the embedded Temporal dev server (or TEMPORAL_ADDRESS), with the
// Temporal Web UI and the sample applications from the configuration. It owns what it starts: however
// it is stopped (Ctrl-C, SIGTERM, the terminal closing, npm going away) the servers stop with it; if it
// dies without a word (SIGKILL) its watchdog stops them (lib/child.ts); and should even that miss, the
// next start finds them in the run record and stops them (lib/run-record.ts).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { applyDevSecrets, DEV_SECRETS_FILE } from '../common/dev-secrets';
import { createLogger } from '../common/logger';
import { startCodecServer } from '../encryption/codec-server';
import { codecServerSettings, localUiOrigins } from '../encryption/codec-server-settings';
import { ConfigError, loadConfig, temporalSettings } from '../config/load';
import { installTemporalLogger } from '../workers/runtime-logger';
import { startService } from '../workers/service';
import { killChildren, onChildStarted } from './lib/child';
import { portFor } from './lib/ports';
import { claimRun, StartRefused, type RunRecord } from './lib/run-record';
import { startDevServer } from './lib/temporal-dev-server';
import {
  checkSampleRequirements,
  chooseSamples,
  samplePorts,
  startSample,
  withSampleApplications,
  type RunningSample,
} from './lib/samples';
import { DATA_DIR } from './lib/tools';

const logger = createLogger('jml');
installTemporalLogger(logger);

/** How long a stop may take before the servers are killed outright. */
const STOP_TIMEOUT_MS = 10_000;

/** The embedded dev server's ports; the environment may move them (a second jml, the tests). */
function devServerPort(name: 'JML_TEMPORAL_PORT' | 'JML_TEMPORAL_UI_PORT', fallback: number): number {
  const text = process.env[name];
  if (!text) return fallback;
  const port = Number(text);
  if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  throw new ConfigError('environment', [{ path: name, message: `"${text}" is not a port number` }]);
}

/** The local servers' stops, and the service's, which goes first (it needs the dev server to stop cleanly). */
const servers: (() => Promise<void>)[] = [];
let stopService: (() => Promise<void>) | undefined;
let run: RunRecord | undefined;
let stopping: { since: number } | undefined;

/** Stops the service, then every server at once; exits when done, or kills them after STOP_TIMEOUT_MS. */
function stop(reason: string): void {
  if (stopping) {
    // npm passes on the Ctrl-C we got from the terminal ourselves: only a later one means "now".
    if (Date.now() - stopping.since > 1000) forceExit('asked again: killing the servers now');
    return;
  }
  stopping = { since: Date.now() };
  logger.info({ reason }, 'stopping jml and the servers it started');
  setTimeout(
    () => forceExit(`not stopped within ${STOP_TIMEOUT_MS / 1000} s: killing the servers`),
    STOP_TIMEOUT_MS,
  );
  void stopAll().then(() => {
    run?.release();
    process.exit(0);
  });
}

async function stopAll(): Promise<void> {
  const quietly = (stopOne: () => Promise<void>) =>
    stopOne().catch((err: unknown) => logger.error({ err }, 'stop failed'));
  const service = stopService;
  stopService = undefined;
  if (service) await quietly(service);
  await Promise.all(servers.splice(0).map(quietly));
}

function forceExit(why: string): void {
  logger.warn(why);
  killChildren('SIGKILL');
  process.exit(1);
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => {
  // The terminal is gone: writing to it now fails, so say nothing more there.
  if (process.stdout.isTTY) logger.level = 'silent';
  stop('SIGHUP (terminal closed)');
});
// A closed terminal or pipe must not turn into an uncaught write error halfway through stopping.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// Run by npm, jml is npm's to stop. Should npm itself die (SIGKILL, a SIGHUP to it alone), nothing
// would tell us and we would run on unseen, holding the ports; so we watch that our parent is there.
// Not elsewhere: under a service manager or `disown`, a parent may go away on purpose.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    stop('its parent process (npm) is gone');
  }, 1000).unref();
}

async function main(): Promise<void> {
  const generated = applyDevSecrets(process.env, true);
  if (generated.length)
    logger.info({ names: generated, file: DEV_SECRETS_FILE }, 'using development secrets');
  const loaded = loadConfig();
  const settings = temporalSettings(loaded.config);
  const embedded = !settings.address;
  const port = devServerPort('JML_TEMPORAL_PORT', 7233);
  const uiPort = devServerPort('JML_TEMPORAL_UI_PORT', 8233);
  const samples = chooseSamples(loaded, process.env);
  checkSampleRequirements(samples);

  const ports: { port: number; what: string }[] = [
    ...(embedded
      ? [
          { port, what: 'Temporal dev server' },
          { port: uiPort, what: 'Temporal Web UI' },
        ]
      : []),
    ...samplePorts(samples),
    { port: loaded.config.http.port, what: 'jml API' },
  ].filter((p) => p.port !== 0);

  mkdirSync(DATA_DIR, { recursive: true });
  run = await claimRun(
    join(DATA_DIR, 'start.pids'),
    ports.map((p) => p.port),
  );
  if (run.stopped.length)
    logger.warn({ stopped: run.stopped }, 'stopped what an earlier `npm start` left running');
  // Every port is checked before anything starts, so that a refusal leaves nothing to undo.
  for (const { port, what } of ports) await portFor(port, what);
  onChildStarted((pid, command) => run?.add(pid, command));
  // Personal data is encrypted in Temporal; the embedded UI reads it through this codec server.
  const codec = await startCodecServer(
    codecServerSettings(process.env, embedded ? localUiOrigins(uiPort) : []),
    logger,
  );
  servers.push(codec.stop);

  // The servers start side by side; any that started are stopped again if another fails.
  const running: RunningSample[] = [];
  const started = await Promise.allSettled([
    embedded
      ? startDevServer({ dbFile: join(DATA_DIR, 'temporal.db'), port, uiPort, codecEndpoint: codec.endpoint })
      : undefined,
    ...samples.map(async (sample) => {
      // applyDevSecrets has set the samples' password when the environment did not.
      const app = await startSample(sample, {
        dataDir: DATA_DIR,
        adminPassword: process.env.SAMPLE_ADMIN_PASSWORD!,
      });
      servers.push(app.stop);
      running.push(app);
      logger.info(app.summary, `${app.what} started`);
    }),
  ]);
  const devServer = started[0].status === 'fulfilled' ? started[0].value : undefined;
  if (devServer) {
    servers.push(devServer.stop);
    logger.info({ address: devServer.address, ui: devServer.uiUrl }, 'embedded Temporal dev server started');
  }
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;

  const address = devServer?.address ?? settings.address!;
  const service = await startService({
    loaded: withSampleApplications(loaded, running),
    temporal: { ...settings, address },
    logger,
  });
  stopService = service.stop;
  logger.info(
    { api: service.apiUrl, ui: devServer?.uiUrl, config: loaded.path },
    'jml is running (Ctrl-C stops it and its servers): send an HR event with `npm run jml -- event examples/hire.json`',
  );
}

main().catch(async (error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof StartRefused) logger.error(error.message);
  else logger.error({ err: error }, 'jml failed to start');
  await stopAll();
  run?.release();
  process.exit(1);
});
