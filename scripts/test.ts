// The test run: installs missing tools, starts one shared headless Temporal dev server for the whole
// suite, runs every test file with node:test, and stops the server.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDevServer } from './lib/temporal-dev-server';
import { PROJECT_ROOT, scim2ServerPath, temporalCli, temporalTestServer } from './lib/tools';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [relative(PROJECT_ROOT, path)] : [];
  });
}

async function main(): Promise<number> {
  temporalCli();
  temporalTestServer();
  scim2ServerPath();
  const filters = process.argv.slice(2);
  const files = testFiles(join(PROJECT_ROOT, 'test'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no test file matches ${filters.join(' ')}`);
  // Continue-as-new is suggested early here so that the tests exercise it.
  const server = await startDevServer({
    headless: true,
    dynamicConfig: ['limit.historyCount.suggestContinueAsNew=120'],
  });
  try {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
      {
        cwd: PROJECT_ROOT,
        stdio: 'inherit',
        env: { ...process.env, JML_TEST_TEMPORAL_ADDRESS: server.address },
      },
    );
    return result.status ?? 1;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
