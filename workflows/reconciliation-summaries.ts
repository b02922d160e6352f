// One-line summaries on the reconciliation's activities, timers and child workflows, so its event
// history in the Temporal UI reads as the run: which application, which page. Ids only.

export const reconciliationSummaries = {
  begin: (appIds: readonly string[] | undefined) =>
    `reconciliation: record the run, choose ${appIds?.length ? appIds.join(', ') : 'every application'}`,
  page: (appId: string, page: number) => `${appId}: list accounts, page ${page}; classify and remediate`,
  settle: (appId: string, final: boolean) =>
    `${appId}: read back what the run set in motion${final ? ' (last look)' : ''}`,
  settleWait: (appId: string) => `${appId}: wait for leavers and drift corrections to settle`,
  finish: (runId: string) => `reconciliation: write the report of ${runId}`,
  child: (appId: string, runId: string) => `Reconciliation of ${appId} (run ${runId})`,
} as const;
