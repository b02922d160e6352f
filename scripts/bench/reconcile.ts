// Reconcile: one SCIM application with 10,000 accounts (BENCH_RECONCILE_ACCOUNTS), created straight in
// scim2-server behind the benchmark's latency proxy, owned by people the evidence store records as
// active with a plan, plus a few findings made by hand (accounts of people jml never saw, memberships
// no plan justifies). One reconciliation run, reported only: its time, accounts per second, the
// requests it made and the history events of every workflow run it took, beside the listing alone
// (the connector paging through the same application, nothing else) as the baseline.
import type { Client } from '@temporalio/client';
import { createLogger } from '../../common/logger';
import { createConnectors } from '../../connectors/registry';
import { evidenceKey, type EvidenceInput } from '../../domain/evidence-record';
import type { ReconciliationReport } from '../../domain/reconciliation';
import { EvidenceStore } from '../../evidence/store';
import { signingKeyFrom } from '../../evidence/settings';
import { startService } from '../../workers/service';
import { reconciliationWorkflow } from '../../workflows/reconciliation';
import { estateConfig, seedPeople, startEstate, type BenchApp } from './estate';
import { withGuardAbove } from './guard';
import { ratio } from './stats';

/** Appends in flight at once while the people's records are written. */
const WRITERS = 16;

export async function reconcileLargeApplication(
  client: Client,
  address: string,
  options: { accounts: number; latencyMs: number; pageSize: number; evidenceUrl: string },
): Promise<void> {
  const estate = await startEstate({
    applications: 1,
    latencyMs: options.latencyMs,
    groups: ['g1', 'g2', 'g3'],
    prefix: 'rcn',
  });
  const app = estate.apps[0]!;
  const findings = Math.max(1, Math.round(options.accounts / 1000));
  const employed = options.accounts - findings;
  const people = Array.from({ length: options.accounts }, (_, i) => ({
    userName: `rc.user${i}`,
    employeeId: `R${String(i).padStart(6, '0')}`,
  }));
  // The first are people jml never saw (orphans); the next hold a group no plan gives them (drift).
  const drifting = people.slice(findings, 2 * findings);
  console.log(
    `reconcile: one SCIM application, ${options.accounts} accounts (${employed} of active people, ${findings} of them holding a group their plan does not give; ${findings} of people jml never saw), ${options.latencyMs} ms away, ${options.pageSize} accounts a page`,
  );
  const seedStart = performance.now();
  await seedPeople(app, [...people.slice(0, findings), ...people.slice(2 * findings)], ['g1', 'g2']);
  await seedPeople(app, drifting, ['g1', 'g2', 'g3']);
  const seeded = performance.now();
  await recordActive(
    options.evidenceUrl,
    app.id,
    people.slice(findings).map((p) => p.employeeId),
  );
  console.log(
    `  set up (not measured): accounts created in scim2-server in ${((seeded - seedStart) / 1000).toFixed(1)} s, the active people's joiners recorded in the evidence store in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );

  // Reported only: the figures are the listing's and the classification's, not leavers'.
  const loaded = withGuardAbove(
    estateConfig(estate, 'disable', { reconcile: { orphans: 'report', drift: 'report' } }),
    findings,
  );
  const config = {
    ...loaded.config,
    reconciliation: { ...loaded.config.reconciliation, pageSize: options.pageSize },
  };
  try {
    const listing = await listingAlone(app, config.applications, options.pageSize);
    const service = await startService({
      loaded: { ...loaded, config },
      temporal: { address, namespace: 'default', taskQueue: 'bench-reconcile' },
      logger: createLogger('bench').child({}, { level: 'warn' }),
      httpPort: 0,
    });
    try {
      const requestsBefore = app.proxy.requests;
      const runId = `reconciliation-bench-${Date.now()}`;
      const start = performance.now();
      const report: ReconciliationReport = await client.workflow.execute(reconciliationWorkflow, {
        taskQueue: 'bench-reconcile',
        workflowId: runId,
        args: [{ trigger: 'request' }],
      });
      const elapsed = performance.now() - start;
      const requests = app.proxy.requests - requestsBefore;
      const history = await historyOf(client, [runId, `${runId}-${app.id}`]);
      const part = report.applications[0]!;
      console.log(
        `  jml: ${(elapsed / 1000).toFixed(1)} s for ${part.accounts} accounts, ${(part.accounts / (elapsed / 1000)).toFixed(0)} accounts/s, ${requests} requests; listing ${part.listing}, found ${JSON.stringify(report.counts)}`,
      );
      console.log(
        `  history: ${history.runs} workflow runs (the run, its child and the child's continuations), ${history.events} events in all, at most ${history.largest} in one run`,
      );
      console.log(
        `  listing alone (the connector paging, no classification, no Temporal): ${(listing.ms / 1000).toFixed(1)} s, ${(listing.accounts / (listing.ms / 1000)).toFixed(0)} accounts/s, ${listing.requests} requests`,
      );
      console.log(`  ratio jml / listing alone (time): ${ratio(elapsed, listing.ms)}`);
    } finally {
      await service.stop();
    }
  } finally {
    await estate.stop();
  }
}

/** Each active person's joiner as the evidence store records it: the HR event, then the plan. */
async function recordActive(evidenceUrl: string, appId: string, employeeIds: string[]): Promise<void> {
  const store = await EvidenceStore.open({ kind: 'postgres', url: evidenceUrl }, signingKeyFrom(process.env));
  try {
    const at = new Date().toISOString();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < employeeIds.length) {
          const employeeId = employeeIds[next++]!;
          for (const record of joinerRecords(employeeId, appId, at)) await store.append(record);
        }
      }),
    );
  } finally {
    await store.close();
  }
}

function joinerRecords(employeeId: string, appId: string, at: string): EvidenceInput[] {
  const key = (kind: EvidenceInput['kind']) =>
    evidenceKey({ workflowId: `identity-${employeeId}`, employment: 'bench0000', step: 'hire', kind });
  return [
    {
      key: key('hr-event'),
      employeeId,
      occurredAt: at,
      kind: 'hr-event',
      body: {
        eventId: 'hire',
        type: 'hire',
        source: 'bench',
        occurredAt: at,
        receivedAt: at,
        outcome: 'completed',
        step: 'joiner',
        completedAt: at,
      },
    },
    {
      key: key('plan'),
      employeeId,
      occurredAt: at,
      kind: 'plan',
      body: {
        eventId: 'hire',
        step: 'joiner',
        policyVersion: 'bench',
        roles: ['everyone'],
        apps: { [appId]: ['g1', 'g2'] },
        entitlements: ['g1', 'g2'].map((entitlement) => ({ appId, entitlement, risk: 'low' })),
      },
    },
  ];
}

/** The baseline: the connector paging through the application, and nothing else. */
async function listingAlone(
  app: BenchApp,
  applications: Parameters<typeof createConnectors>[0],
  pageSize: number,
): Promise<{ ms: number; accounts: number; requests: number }> {
  const connector = createConnectors(applications).get(app.id)!;
  try {
    const before = app.proxy.requests;
    const start = performance.now();
    let accounts = 0;
    let cursor: string | undefined;
    do {
      const page = await connector.listAccounts({ cursor, pageSize });
      accounts += page.accounts.length;
      cursor = page.next;
    } while (cursor);
    return { ms: performance.now() - start, accounts, requests: app.proxy.requests - before };
  } finally {
    await connector.close();
  }
}

/** Every run of these workflows (continuations included): how many, and their history events. */
async function historyOf(
  client: Client,
  workflowIds: string[],
): Promise<{ runs: number; events: number; largest: number }> {
  let runs = 0;
  let events = 0;
  let largest = 0;
  for (const workflowId of workflowIds) {
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      const n = history.events?.length ?? 0;
      runs += 1;
      events += n;
      largest = Math.max(largest, n);
    }
  }
  return { runs, events, largest };
}
