// `jml reconcile`: an operator runs a reconciliation now, over the HTTP API (the same workflow the
// Schedule starts), and with --wait follows it to its report; `--run <runId>` prints a run's report.
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { ReconciliationItem } from '../domain/reconciliation';
import { answer, apiFetch, apiToken } from './api-client';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';
import { positiveDuration, zodValue } from './validate';
import { appIdSchema } from '../domain/app-id';

interface AppPart {
  appId: string;
  listing: string;
  problems: string[];
  accounts: number;
  counts: Record<string, number>;
  outcomes: Record<string, number>;
}

/** The report as GET /v1/reconciliations/<runId> answers it (api/contract/reconciliation.ts). */
export interface ReportAnswer {
  runId: string;
  status: 'running' | 'finished';
  startedAt?: string;
  finishedAt?: string;
  applications: AppPart[];
  outcomes: Record<string, number>;
  clean?: boolean;
  items: ReconciliationItem[];
  itemCount: number;
}

interface ReconcileOptions {
  app?: string;
  run?: string;
  wait?: boolean;
  json?: boolean;
  waitTimeout: number;
  pollInterval: number;
}

const runIdSchema = z
  .string()
  .regex(/^reconciliation-[A-Za-z0-9._:@-]+$/, 'must be a run id (reconciliation-…)');

async function reportOf(runId: string): Promise<ReportAnswer> {
  const response = await apiFetch(`/v1/reconciliations/${encodeURIComponent(runId)}`, {
    headers: apiToken(),
  });
  return answer<ReportAnswer>(response, 'reading the reconciliation');
}

async function reconcile(options: ReconcileOptions): Promise<ExitCode> {
  let runId = options.run;
  if (!runId) {
    const response = await apiFetch('/v1/reconciliations', {
      method: 'POST',
      // Reconciling is an operator's act: the API token, never a personal one.
      headers: { ...apiToken(), 'content-type': 'application/json' },
      body: JSON.stringify(options.app ? { appId: options.app } : {}),
    });
    ({ runId } = await answer<{ runId: string }>(response, 'starting the reconciliation'));
    if (!options.wait) {
      if (options.json) printJson({ runId });
      else console.log(`reconciliation ${runId} started; its report: jml reconcile --run ${runId}`);
      return EXIT.done;
    }
    console.error(`reconciliation ${runId} started`);
  }
  const report = options.wait ? await waitForReport(runId, options) : await reportOf(runId);
  if (options.json) printJson(report);
  else console.log(describeReport(report));
  return verdict(report);
}

async function waitForReport(runId: string, options: ReconcileOptions): Promise<ReportAnswer> {
  const deadline = Date.now() + options.waitTimeout;
  let seen = -1;
  for (;;) {
    const report = await reportOf(runId);
    if (report.status === 'finished') return report;
    if (report.itemCount !== seen) console.error(`  running: ${report.itemCount} finding(s) so far`);
    seen = report.itemCount;
    if (Date.now() + options.pollInterval > deadline) {
      throw new CliError(
        `gave up waiting for ${runId}: it still runs (jml reconcile --run ${runId} shows its report)`,
        EXIT.refused,
      );
    }
    await sleep(options.pollInterval);
  }
}

/** 0: finished, every listing complete, nothing left unverified; 1 otherwise (reported findings are no failure). */
function verdict(report: ReportAnswer): ExitCode {
  if (report.status !== 'finished') return EXIT.refused;
  const unlisted = report.applications.some((a) => a.listing === 'unverifiable' || a.listing === 'failed');
  const unsettled = (report.outcomes['not-verified'] ?? 0) + (report.outcomes.pending ?? 0);
  return unlisted || unsettled ? EXIT.refused : EXIT.done;
}

export function describeReport(report: ReportAnswer): string {
  const lines: string[] = [];
  const when = report.finishedAt ? `finished ${report.finishedAt}` : 'still running';
  const verdictLine = report.clean ? 'clean' : `${report.itemCount} finding(s)`;
  lines.push(`reconciliation ${report.runId}: ${when}: ${verdictLine}`);
  if (report.applications.length) {
    lines.push(
      '',
      table(
        ['APPLICATION', 'LISTING', 'ACCOUNTS', 'ORPHAN', 'UNLINKED', 'DRIFT', 'MISSING'],
        report.applications.map((a) => [
          a.appId,
          a.listing,
          String(a.accounts),
          ...['orphan', 'unlinked', 'drift', 'missing'].map((c) => String(a.counts[c] ?? 0)),
        ]),
      ),
    );
    for (const a of report.applications) for (const p of a.problems) lines.push(`  ${a.appId}: ${p}`);
  }
  if (report.items.length) {
    lines.push(
      '',
      table(
        ['CLASS', 'APPLICATION', 'ACCOUNT', 'EMPLOYEE', 'ENTITLEMENTS', 'OUTCOME', 'DETAIL'],
        report.items.map((i) => [
          i.class,
          i.appId,
          i.accountId,
          i.employeeId ?? '-',
          i.entitlements.join(',') || '-',
          i.outcome,
          i.detail ?? i.reason,
        ]),
      ),
    );
    if (report.itemCount > report.items.length) {
      lines.push(
        `(${report.itemCount - report.items.length} more: --json, or GET /v1/reconciliations/<runId>?limit=)`,
      );
    }
  }
  const o = report.outcomes;
  lines.push(
    '',
    `${o.verified ?? 0} remediated and verified, ${o['not-verified'] ?? 0} remediated and not verified, ` +
      `${o.pending ?? 0} under way, ${o.reported ?? 0} reported only`,
  );
  return lines.join('\n');
}

export function reconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description(
      "check every application's accounts against HR's and jml's records now (orphans, unlinked accounts, drift, missing access)",
    )
    .option('--app <applicationId>', 'only this application', zodValue(appIdSchema))
    .option('--run <runId>', 'print the report of this run instead of starting one', zodValue(runIdSchema))
    .option(
      '--wait',
      'follow the run to its report; exit 0 when every listing was complete and nothing is left unverified, 1 otherwise',
    )
    .option('--json', 'print the API answer (the report) as JSON')
    .addOption(
      new Option('--wait-timeout <duration>', 'with --wait, give up after this long')
        .argParser(positiveDuration)
        .default(900_000, '15m'),
    )
    .addOption(
      new Option('--poll-interval <duration>', 'with --wait, how often to read the report')
        .argParser(positiveDuration)
        .default(1000, '1s'),
    )
    .addHelpText(
      'after',
      examples(
        'jml reconcile --wait',
        'jml reconcile --app crm --wait --json',
        'jml reconcile --run reconciliation-jml-20261201T090000Z-1a2b3c',
      ),
    )
    .action(exiting(reconcile));
}
