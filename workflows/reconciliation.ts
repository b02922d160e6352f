// Reconciliation: one run lists every application's accounts and weighs each against jml's records.
// The run (started by the Schedule or `jml reconcile`) starts a child workflow per application; the
// child reads one page per activity, where the page is classified, kept in the report store and
// remediated, so only counts enter history, and it continues as new every few pages. It then waits,
// reading back, until what it set in motion (leavers, drift corrections) has settled or the run's
// patience is spent. The run's report is written to the store and returned.
import {
  ActivityFailure,
  continueAsNew,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation';
import {
  addCounts,
  noCounts,
  runKeyOf,
  type AppReconciliation,
  type ClassCounts,
  type ReconciliationReport,
} from '../domain/reconciliation';
import { reconciliationSummaries as summaries } from './reconciliation-summaries';

/** A child continues as new after this many pages, so a large application's history stays small. */
export const PAGES_PER_RUN = 25;
/** The first and longest pause between two read-backs of what a run set in motion. */
const SETTLE_FIRST_MS = 1_000;
const SETTLE_MAX_MS = 15_000;

const run = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** A page is tried a few times; an application that keeps failing leaves its listing `failed`, not the run. */
const pages = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export interface ReconciliationInput {
  /** Who asked: the Schedule, or a person (`jml reconcile`, the API). Default: schedule. */
  trigger?: 'schedule' | 'request';
  /** Only these applications; absent: every configured one. */
  appIds?: string[];
}

type AppPart = Omit<AppReconciliation, 'outcomes'>;

export async function reconciliationWorkflow(input: ReconciliationInput = {}): Promise<ReconciliationReport> {
  const info = workflowInfo();
  const runId = info.workflowId;
  const runKey = runKeyOf(info.firstExecutionRunId);
  const trigger = input.trigger ?? 'schedule';
  const plan = await run.beginReconciliation.executeWithOptions({ summary: summaries.begin(input.appIds) }, [
    { runId, trigger, appIds: input.appIds },
  ]);
  const done = new Map<string, AppPart>();
  const show = () =>
    setCurrentDetails(
      [
        `**Reconciliation ${runId}** (${trigger}), started ${plan.startedAt}`,
        '',
        '| application | listing | accounts | orphan | unlinked | drift | missing |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...plan.listable.map((appId) => {
          const part = done.get(appId);
          if (!part) return `| ${appId} | under way (see its child workflow) | | | | | |`;
          const c = part.counts;
          return `| ${appId} | ${part.listing} | ${part.accounts} | ${c.orphan} | ${c.unlinked} | ${c.drift} | ${c.missing} |`;
        }),
        ...plan.cannotList.map((appId) => `| ${appId} | cannot list | | | | | |`),
      ].join('\n'),
    );
  show();
  const parts = await Promise.all(
    plan.listable.map(async (appId) => {
      const part = await executeChild(reconcileApplicationWorkflow, {
        workflowId: `${runId}-${appId}`,
        staticSummary: summaries.child(appId, runId),
        args: [{ runId, runKey, appId, pageSize: plan.pageSize, settleTimeoutMs: plan.settleTimeoutMs }],
      });
      done.set(appId, part);
      show();
      return part;
    }),
  );
  const now = new Date().toISOString();
  const cannotList = plan.cannotList.map((appId): AppPart => ({
    appId,
    listing: 'cannot-list',
    problems: ['the application has no listing (a manual application): nothing in it was checked'],
    accounts: 0,
    pages: 0,
    counts: noCounts(),
    startedAt: now,
    finishedAt: now,
  }));
  const report = await run.finishReconciliation.executeWithOptions({ summary: summaries.finish(runId) }, [
    { runId, trigger, startedAt: plan.startedAt, applications: [...parts, ...cannotList] },
  ]);
  setCurrentDetails(
    `**Reconciliation ${runId}** finished ${report.finishedAt}: ${report.clean ? 'clean' : `${report.itemCount} finding(s)`}; ` +
      `${report.outcomes.verified} remediated and verified, ${report.outcomes['not-verified']} not verified, ` +
      `${report.outcomes.reported} reported only.`,
  );
  return report;
}

export interface ApplicationRunInput {
  runId: string;
  runKey: string;
  appId: string;
  pageSize: number;
  settleTimeoutMs: number;
  /** Carried across continue-as-new: where the listing goes on, and what it has found so far. */
  cursor?: string;
  progress?: AppPart;
}

/** One application of a run: its listing page by page, then the read-back of what was set in motion. */
export async function reconcileApplicationWorkflow(input: ApplicationRunInput): Promise<AppPart> {
  const { runId, runKey, appId, pageSize } = input;
  const part: AppPart = input.progress ?? {
    appId,
    listing: 'complete',
    problems: [],
    accounts: 0,
    pages: 0,
    counts: noCounts(),
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
  const show = (doing: string) =>
    setCurrentDetails(
      `**${appId}** in reconciliation ${runId}: ${doing}\n\n` +
        `${part.accounts} account(s) in ${part.pages} page(s); listing ${part.listing}; ` +
        `found ${describeCounts(part.counts)}` +
        (part.problems.length ? `\n\nProblems:\n${part.problems.map((p) => `- ${p}`).join('\n')}` : ''),
    );
  let cursor = input.cursor;
  if (!part.listedAt) {
    for (let pagesThisRun = 0; ;) {
      show(`reading page ${part.pages + 1}`);
      try {
        const page = await pages.reconcilePage.executeWithOptions(
          { summary: summaries.page(appId, part.pages + 1) },
          [{ runId, runKey, appId, cursor, pageSize }],
        );
        part.pages += 1;
        part.accounts += page.accounts;
        part.counts = addCounts(part.counts, page.counts);
        if (page.unverifiable) {
          part.listing = 'unverifiable';
          noteProblem(part, `page ${part.pages}: ${page.unverifiable}`);
        }
        cursor = page.next;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        part.listing = 'failed';
        noteProblem(
          part,
          `page ${part.pages + 1} could not be read: ${error.cause?.message ?? error.message}`,
        );
        break;
      }
      if (!cursor) break;
      pagesThisRun += 1;
      if (pagesThisRun >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof reconcileApplicationWorkflow>({ ...input, cursor, progress: part });
      }
    }
    part.listedAt = new Date().toISOString();
  }
  const deadline = Date.parse(part.listedAt) + input.settleTimeoutMs;
  for (let pause = SETTLE_FIRST_MS; ; pause = Math.min(pause * 2, SETTLE_MAX_MS)) {
    const final = Date.now() >= deadline;
    show(final ? 'last read-back of what is still under way' : 'reading back what the run set in motion');
    const { pending } = await run.settleReconciliation.executeWithOptions(
      { summary: summaries.settle(appId, final) },
      [{ runId, appId, final }],
    );
    if (pending === 0) break;
    if (!final) {
      await sleep(Math.max(1, Math.min(pause, deadline - Date.now())), {
        summary: summaries.settleWait(appId),
      });
    }
  }
  part.finishedAt = new Date().toISOString();
  show('done');
  return part;
}

/** At most this many problems are kept per application: the first ones say enough. */
const MAX_PROBLEMS = 10;

function noteProblem(part: AppPart, problem: string): void {
  if (part.problems.length < MAX_PROBLEMS) part.problems.push(problem);
}

function describeCounts(counts: ClassCounts): string {
  return `${counts.orphan} orphan, ${counts.unlinked} unlinked, ${counts.drift} drift, ${counts.missing} missing`;
}
