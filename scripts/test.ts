// The test run: installs missing tools, starts one shared headless Temporal dev server and one shared
// PostgreSQL for the evidence the workflows write (with a signing key for the run), bundles the
// workflow code once, runs every test file with node:test, and stops both.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startPostgres } from './lib/postgres';
import { startDevServer } from './lib/temporal-dev-server';
import { writeWorkflowBundle } from './lib/workflow-bundle';
import { PROJECT_ROOT, scim2ServerPath, temporalCli, temporalTestServer } from './lib/tools';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [relative(PROJECT_ROOT, path)] : [];
  });
}

/**
 * How many test files run at once (JML_TEST_CONCURRENCY, default 1). The files keep apart by
 * themselves (unique people, task queues and ports), and two at a time take about a third less time
 * on two cores, but under that load tests of `npm start` being killed have seen its servers already
 * gone, or a port taken, so one at a time stays the default.
 */
function concurrency(): number {
  const value = Number(process.env.JML_TEST_CONCURRENCY ?? 1);
  if (!Number.isInteger(value) || value < 1)
    throw new Error('JML_TEST_CONCURRENCY must be a whole number ≥ 1');
  return value;
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
  const bundleDir = mkdtempSync(join(tmpdir(), 'jml-test-bundle-'));
  const bundleFile = join(bundleDir, 'workflows.js');
  // Continue-as-new is suggested early here so that the tests exercise it. A closed workflow can be
  // deleted only once its close is acknowledged, which the server notes every 30 s by default; each
  // second here, so that the test deleting one waits seconds, not half a minute.
  const [server, evidenceDb] = await Promise.all([
    startDevServer({
      headless: true,
      dynamicConfig: [
        'limit.historyCount.suggestContinueAsNew=120',
        'history.transferProcessorUpdateAckInterval="1s"',
        'history.visibilityProcessorUpdateAckInterval="1s"',
      ],
    }),
    startPostgres(),
    // Bundled once for the run rather than once in each test file that runs a worker.
    writeWorkflowBundle(bundleFile),
  ]);
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
  const evidenceUrl = `postgres://${evidenceDb.user}:${encodeURIComponent(evidenceDb.password)}@${evidenceDb.host}:${evidenceDb.port}/${evidenceDb.database}`;
  try {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency()}`, '--test-reporter=spec', ...files],
      {
        cwd: PROJECT_ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          JML_TEST_TEMPORAL_ADDRESS: server.address,
          JML_TEST_EVIDENCE_URL: evidenceUrl,
          JML_TEST_EVIDENCE_SIGNING_KEY: signingKey.toString(),
          JML_TEST_WORKFLOW_BUNDLE: bundleFile,
        },
      },
    );
    return result.status ?? 1;
  } finally {
    await Promise.all([server.stop(), evidenceDb.stop()]);
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
