// The embedded Temporal dev server (with Web UI), started from the pinned CLI with jml's search
// attributes registered.
import { cliTypeOf, SEARCH_ATTRIBUTES } from '../../workflows/messages';
import { startChild, type ManagedChild } from './child';
import { portFor, waitForPort } from './ports';
import { temporalCli } from './tools';

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop: () => Promise<void>;
}

export async function startDevServer(options: {
  dbFile?: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  /** Dynamic config overrides, KEY=VALUE. */
  dynamicConfig?: string[];
  /**
   * The codec server the Web UI decodes payloads through (`--ui-codec-endpoint`): the browser calls
   * `<endpoint>/decode`. It may carry a token in its path, so it is never logged.
   */
  codecEndpoint?: string;
}): Promise<DevServer> {
  const port = await portFor(options.port, 'Temporal dev server');
  if (!options.headless) await portFor(options.uiPort ?? 8233, 'Temporal Web UI');
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? 8233), '--ui-disable-news-fetch');
  if (options.codecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.codecEndpoint);
  // An activity the workflow schedules on its own task queue goes back to the worker in the answer to
  // the workflow task that scheduled it, not through a poll: a leaver's calls start one trip sooner.
  for (const value of ['system.enableActivityEagerExecution=true', ...(options.dynamicConfig ?? [])])
    args.push('--dynamic-config-value', value);
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${cliTypeOf(key)}`);
  const child: ManagedChild = startChild(temporalCli(), args, { name: 'Temporal dev server' });
  try {
    await waitForPort(port, 60_000, 'Temporal dev server');
  } catch (error) {
    await child.stop();
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort ?? 8233}`,
    stop: () => child.stop(),
  };
}
