// `npm run worker` as a child process, for the tests and the benchmark that kill workers: started
// with a configuration file and resolved once it polls.
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from './tools';

export function startWorkerProcess(options: {
  config: string;
  temporalAddress: string;
  env: Record<string, string>;
}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/worker.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...options.env,
      JML_CONFIG: options.config,
      TEMPORAL_ADDRESS: options.temporalAddress,
      JML_LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<ChildProcess>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) resolve(child);
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before it ran:\n${output}`)),
    );
  });
}
