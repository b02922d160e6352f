// The benchmark: figures and ratios, side by side in one run, against the real HTTP API, Temporal dev
// server and scim2-server applications. Asserts nothing. BENCH_SCENARIOS picks the parts (a comma
// list of w1, w2, w3, w4, approvals, worker-loss, evidence, reconcile; all by default); BENCH_* variables size them.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../common/logger';
import { newPayloadKeysValue } from '../encryption/payload-keys';
import { connectClient } from '../workers/temporal';
import { installTemporalLogger } from '../workers/runtime-logger';
import { approvalsListing } from './bench/approvals';
import { measureEvidenceExport } from './bench/evidence-export';
import { startFloor } from './bench/floor';
import { fmt, stats } from './bench/stats';
import { reconcileLargeApplication } from './bench/reconcile';
import { oneLeaverAtATime } from './bench/w1-one-leaver';
import { burstOfLeavers } from './bench/w2-burst';
import { groupSizeLeavers } from './bench/w3-group-size';
import { rateLimitedLeavers } from './bench/w4-rate-limit';
import { measureWorkerLoss } from './bench/worker-loss';
import { startPostgres } from './lib/postgres';
import { startDevServer } from './lib/temporal-dev-server';

const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'w1,w2,w3,w4,approvals,worker-loss,evidence,reconcile')
  .split(',')
  .map((s) => s.trim());
const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** People in W1, one leaver at a time. */
const PEOPLE = number('BENCH_PEOPLE', 20);
const APPLICATIONS = number('BENCH_APPLICATIONS', 10);
const LATENCY_MS = number('BENCH_LATENCY_MS', 50);
/** Leavers sent at once in W2. */
const LEAVERS = number('BENCH_LEAVERS', 1000);
/** W3: the other members of each group, smallest and largest, and the leavers measured at each size. */
const GROUP_SIZES = (process.env.BENCH_GROUP_SIZES ?? '5,5000').split(',').map(Number);
const GROUP_LEAVERS = number('BENCH_GROUP_LEAVERS', 5);
/** W4: the application's rate (requests/s), and the leavers sent at once against it. */
const RATE = number('BENCH_RATE', 20);
const RATE_LEAVERS = number('BENCH_RATE_LEAVERS', 100);
/** People waiting for approval when the list of pending approvals is timed. */
const WAITING = number('BENCH_APPROVALS', 100);
/** Leavers whose worker is killed mid-call. */
const LOSS_TRIALS = number('BENCH_WORKER_LOSS', 3);
/** Accounts in the application the reconcile part reconciles, and accounts per listing page. */
const RECONCILE_ACCOUNTS = number('BENCH_RECONCILE_ACCOUNTS', 10_000);
const RECONCILE_PAGE = number('BENCH_RECONCILE_PAGE', 200);
/** As workflows/activities-proxy.ts sets it. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

installTemporalLogger(createLogger('bench').child({}, { level: 'warn' }));

async function main(): Promise<void> {
  const known = ['w1', 'w2', 'w3', 'w4', 'approvals', 'worker-loss', 'evidence', 'reconcile'];
  const unknown = SCENARIOS.filter((s) => !known.includes(s));
  if (unknown.length)
    throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
  // Encrypted like production; the data is thrown away, and so is the key (the worker processes inherit it).
  process.env.JML_PAYLOAD_KEYS ??= newPayloadKeysValue('bench');
  const dir = mkdtempSync(join(tmpdir(), 'jml-bench-'));
  // Evidence goes to a PostgreSQL of the benchmark's own, as several workers need in production.
  const [server, evidenceDb] = await Promise.all([
    startDevServer({ headless: true, dbFile: join(dir, 'temporal.db') }),
    startPostgres(),
  ]);
  const evidenceUrl = `postgres://${evidenceDb.user}:${encodeURIComponent(evidenceDb.password)}@${evidenceDb.host}:${evidenceDb.port}/${evidenceDb.database}`;
  process.env.JML_EVIDENCE_URL = evidenceUrl;
  process.env.JML_EVIDENCE_SIGNING_KEY = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const client = await connectClient({ address: server.address, namespace: 'default' });
  const floor = await startFloor(client, server.address);
  console.log(`jml benchmark, ${new Date().toISOString()}, node ${process.version}`);
  try {
    if (SCENARIOS.includes('w1')) {
      for (const deprovision of ['disable', 'delete'] as const) {
        await oneLeaverAtATime(client, server.address, floor, {
          people: PEOPLE,
          applications: APPLICATIONS,
          latencyMs: LATENCY_MS,
          deprovision,
        });
      }
    }
    if (SCENARIOS.includes('w2')) {
      await burstOfLeavers(client, server.address, floor, { leavers: LEAVERS, latencyMs: LATENCY_MS });
    }
    if (SCENARIOS.includes('w3')) {
      await groupSizeLeavers(client, server.address, {
        sizes: GROUP_SIZES,
        leavers: GROUP_LEAVERS,
        latencyMs: LATENCY_MS,
      });
    }
    if (SCENARIOS.includes('w4')) {
      await rateLimitedLeavers(client, server.address, {
        rate: RATE,
        leavers: RATE_LEAVERS,
        latencyMs: LATENCY_MS,
      });
    }
    if (SCENARIOS.includes('approvals')) await approvalsListing(client, server.address, WAITING);
    if (SCENARIOS.includes('worker-loss')) {
      const loss = await measureWorkerLoss(client, server.address, dir, LOSS_TRIALS);
      const verified = stats(loss.verifiedAfterMs);
      console.log(
        `worker killed mid-call in a leaver (2 workers, the one running the call killed), ${LOSS_TRIALS} trials`,
      );
      console.log(`  kill → the other worker retries the call:  ${fmt(stats(loss.retriedAfterMs))}`);
      console.log(`  kill → every application verified:        ${fmt(verified)}`);
      console.log(
        `  bound: heartbeat timeout ${HEARTBEAT_TIMEOUT_MS / 1000} s; without heartbeats it is the start-to-close timeout, 120 s (ratio ${(120_000 / verified.median).toFixed(1)}x)`,
      );
    }
    if (SCENARIOS.includes('evidence')) {
      // A quarter of a 10,000-person company in the benchmark's PostgreSQL, exported and reported.
      await measureEvidenceExport({ location: { kind: 'postgres', url: evidenceUrl } });
    }
    // After the evidence part: the people it records as active are not in that part's figures.
    if (SCENARIOS.includes('reconcile')) {
      await reconcileLargeApplication(client, server.address, {
        accounts: RECONCILE_ACCOUNTS,
        latencyMs: LATENCY_MS,
        pageSize: RECONCILE_PAGE,
        evidenceUrl,
      });
    }
  } finally {
    await floor.stop();
    await client.connection.close();
    await Promise.all([server.stop(), evidenceDb.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
