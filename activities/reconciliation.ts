// The reconciliation's activities: one page of an application's accounts read, classified against
// jml's records (the evidence store), confirmed against Temporal for the few with a finding, kept in
// the report store and remediated; then what was set in motion read back, and the report written.
// Only counts cross into workflow history: the findings themselves stay in the store.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Connector, ListedAccount } from '../connectors/connector';
import { settleEach } from '../connectors/concurrency';
import { deprovisionGaps } from '../domain/app-state';
import type { JmlConfig } from '../domain/config';
import type { HrEvent } from '../domain/hr-event';
import { identityWorkflowId } from '../domain/lifecycle';
import {
  classify,
  decide,
  noCounts,
  noOutcomes,
  type AppReconcileContext,
  type AppReconciliation,
  type ClassCounts,
  type LiveStanding,
  type ReconciliationItem,
  type ReconciliationReport,
} from '../domain/reconciliation';
import { reconcileSettingsOf } from '../domain/reconciliation-config';
import {
  beginRun,
  finishRun,
  itemsOf,
  outcomesOf,
  pendingItems,
  runItems,
  saveItems,
  standingsOf,
  updateItem,
} from '../evidence/reconciliation-store';
import type { SqlQueryable } from '../evidence/sql';
import { driftSignal, statusQuery } from '../workflows/messages';
import { mapped } from './failures';

/** Temporal is asked about this many people with a finding at once. */
const ASKED_AT_ONCE = 8;
/** Findings under way read back per settling call. */
const SETTLED_PER_CALL = 200;
/** Findings the workflow's answer carries; the store keeps them all. */
export const REPORT_ITEMS_IN_RESULT = 100;

/** How a termination reaches the intake (api/intake.ts submitHrEvent, guard included): its answer's status. */
export type SubmitHrEvent = (client: Client, event: HrEvent) => Promise<{ status: string }>;

export interface ReconciliationDeps {
  config: JmlConfig;
  connectors: Map<string, Connector>;
  /** The evidence database: people's records, and the reports (migration 4). */
  store: SqlQueryable;
  submit: SubmitHrEvent;
}

export interface BeginInput {
  runId: string;
  trigger: 'schedule' | 'request';
  /** Only these applications; absent: every one. */
  appIds?: string[];
}

export interface RunPlan {
  startedAt: string;
  /** From the configuration (`reconciliation`): accounts per page, and how long to wait for remediations. */
  pageSize: number;
  settleTimeoutMs: number;
  /** The applications a run lists (their connector can), and those it cannot. */
  listable: string[];
  cannotList: string[];
}

export interface PageInput {
  runId: string;
  runKey: string;
  appId: string;
  cursor?: string;
  pageSize: number;
}

export interface PageResult {
  accounts: number;
  counts: ClassCounts;
  next?: string;
  unverifiable?: string;
}

export interface SettleInput {
  runId: string;
  appId: string;
  /** The run waits no longer: what is still under way is reported as not verified. */
  final: boolean;
}

export interface FinishInput {
  runId: string;
  trigger: 'schedule' | 'request';
  startedAt: string;
  applications: Omit<AppReconciliation, 'outcomes'>[];
}

export type ReconciliationActivities = ReturnType<typeof reconciliationActivities>;

export function reconciliationActivities({ config, connectors, store, submit }: ReconciliationDeps) {
  const appContext = (appId: string): AppReconcileContext => {
    const app = config.applications.find((a) => a.id === appId);
    if (!app)
      throw ApplicationFailure.nonRetryable(`application "${appId}" is not configured`, 'UnknownApplication');
    return { appId, deprovision: app.deprovision, settings: reconcileSettingsOf(app) };
  };
  const connectorFor = (appId: string): Connector => {
    const connector = connectors.get(appId);
    if (!connector || !canList(connector)) {
      throw ApplicationFailure.nonRetryable(`application "${appId}" cannot list its accounts`, 'CannotList');
    }
    return connector;
  };
  const client = () => Context.current().client;

  return {
    /** Records the run and says which applications it lists. */
    async beginReconciliation({ runId, trigger, appIds }: BeginInput): Promise<RunPlan> {
      const unknown = (appIds ?? []).filter((id) => !config.applications.some((a) => a.id === id));
      if (unknown.length) {
        throw ApplicationFailure.nonRetryable(`not configured: ${unknown.join(', ')}`, 'UnknownApplication');
      }
      const chosen = config.applications
        .filter((a) => !appIds?.length || appIds.includes(a.id))
        .map((a) => a.id);
      const startedAt = new Date().toISOString();
      await beginRun(store, { runId, trigger, startedAt });
      return {
        startedAt,
        pageSize: config.reconciliation.pageSize,
        settleTimeoutMs: config.reconciliation.settleTimeout,
        listable: chosen.filter((id) => canList(connectors.get(id))),
        cannotList: chosen.filter((id) => !canList(connectors.get(id))),
      };
    },

    /** One page: listed, classified, confirmed, kept and remediated. Retried, it repeats the same ids. */
    async reconcilePage({ runId, runKey, appId, cursor, pageSize }: PageInput): Promise<PageResult> {
      const app = appContext(appId);
      const connector = connectorFor(appId);
      const page = await mapped(() => listPage(connector, { cursor, pageSize }));
      const owners = page.accounts.flatMap((a) => (a.ownerId ? [a.ownerId] : []));
      const people = await standingsOf(store, owners);
      const candidates = page.accounts.flatMap((account) =>
        classify(account, account.ownerId ? people.get(account.ownerId) : undefined, app),
      );
      const asked = [...new Set(candidates.flatMap((c) => (c.employeeId ? [c.employeeId] : [])))];
      const live = new Map<string, LiveStanding>();
      await settleEach(asked, ASKED_AT_ONCE, async (id) => {
        live.set(id, await liveStanding(client(), id));
      });
      const decided = candidates.flatMap((c) => {
        const item = decide(c, c.employeeId ? live.get(c.employeeId) : undefined, app, { runKey });
        return item ? [item] : [];
      });
      await saveItems(store, runId, decided);
      // What is kept (a retried page keeps its first findings) is what is remediated.
      const kept = await itemsOf(store, runId, appId, [...new Set(decided.map((i) => i.accountId))]);
      const byAccount = new Map(page.accounts.map((a) => [a.accountId, a]));
      await remediate(
        runId,
        kept.filter((i) => i.outcome === 'pending'),
        byAccount,
        app,
      );
      const counts = noCounts();
      for (const item of kept) counts[item.class] += 1;
      return {
        accounts: page.accounts.length,
        counts,
        ...(page.next ? { next: page.next } : {}),
        ...(page.unverifiable ? { unverifiable: page.unverifiable } : {}),
      };
    },

    /**
     * Reads back what a run set in motion in one application: an orphan once the person's leaver has
     * finished, a drift finding once the person's workflow shows it settled. Returns how many are
     * still under way.
     */
    async settleReconciliation({ runId, appId, final }: SettleInput): Promise<{ pending: number }> {
      const app = appContext(appId);
      const connector = connectors.get(appId);
      const items = await pendingItems(store, runId, appId, SETTLED_PER_CALL);
      let still = 0;
      await settleEach(items, ASKED_AT_ONCE, async (item) => {
        const settled = await settle(item, app, connector, final);
        if (settled) await updateItem(store, runId, settled);
        else still += 1;
      });
      const remaining = items.length < SETTLED_PER_CALL ? 0 : (await outcomesOf(store, runId, appId)).pending;
      return { pending: Math.max(still, remaining) };
    },

    /** Writes the finished run's report and returns it, with its first findings. */
    async finishReconciliation(input: FinishInput): Promise<ReconciliationReport> {
      const applications: AppReconciliation[] = [];
      for (const app of input.applications) {
        applications.push({ ...app, outcomes: await outcomesOf(store, input.runId, app.appId) });
      }
      const counts = noCounts();
      const outcomes = noOutcomes();
      for (const app of applications) {
        for (const k of Object.keys(counts) as (keyof ClassCounts)[]) counts[k] += app.counts[k];
        for (const k of Object.keys(outcomes) as (keyof typeof outcomes)[]) outcomes[k] += app.outcomes[k];
      }
      const itemCount = Object.values(counts).reduce((a, b) => a + b, 0);
      const report: ReconciliationReport = {
        runId: input.runId,
        trigger: input.trigger,
        status: 'finished',
        startedAt: input.startedAt,
        finishedAt: new Date().toISOString(),
        applications,
        counts,
        outcomes,
        clean: itemCount === 0 && applications.every((a) => a.listing === 'complete'),
        items: [],
        itemCount,
      };
      await finishRun(store, report);
      return { ...report, items: await runItems(store, input.runId, REPORT_ITEMS_IN_RESULT) };
    },
  };

  /** Sends what each finding under way calls for: a termination per orphan's owner, a drift finding per person. */
  async function remediate(
    runId: string,
    items: ReconciliationItem[],
    accounts: Map<string, ListedAccount>,
    app: AppReconcileContext,
  ): Promise<void> {
    const terminations = new Map<string, ReconciliationItem>();
    const findings = new Map<string, ReconciliationItem[]>();
    for (const item of items) {
      if (item.remediation?.eventId) terminations.set(item.remediation.eventId, item);
      if (item.remediation?.findingId) {
        findings.set(item.remediation.findingId, [...(findings.get(item.remediation.findingId) ?? []), item]);
      }
    }
    await settleEach([...terminations], ASKED_AT_ONCE, async ([eventId, item]) => {
      const account = accounts.get(item.accountId);
      const { status } = await submit(client(), terminationOf(eventId, item.employeeId!, account?.userName));
      // A stale termination (it predates the person's current employment) sets nothing in motion.
      if (status === 'stale') {
        await updateItem(store, runId, {
          ...item,
          outcome: 'not-verified',
          detail: `termination ${eventId} refused by the intake as stale`,
        });
      }
    });
    await settleEach([...findings], ASKED_AT_ONCE, async ([findingId, [first, ...rest]]) => {
      const all = [first!, ...rest];
      const revoke = all.filter((i) => i.class === 'drift').flatMap((i) => i.entitlements);
      const grant = all.filter((i) => i.class === 'missing').flatMap((i) => i.entitlements);
      try {
        await client()
          .workflow.getHandle(identityWorkflowId(first!.employeeId!))
          .signal(driftSignal, { findingId, appId: app.appId, revoke, grant });
      } catch (error) {
        // The person's workflow closed since it was asked (a leaver finished): nothing is left to put right.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        for (const item of all) {
          await updateItem(store, runId, {
            ...item,
            outcome: 'not-verified',
            detail: `${item.employeeId}'s identity workflow closed before ${findingId} reached it`,
          });
        }
      }
    });
  }

  /** The item once settled, or undefined while its remediation is still under way (and the run waits). */
  async function settle(
    item: ReconciliationItem,
    app: AppReconcileContext,
    connector: Connector | undefined,
    final: boolean,
  ): Promise<ReconciliationItem | undefined> {
    const employeeId = item.employeeId!;
    const handle = client().workflow.getHandle(identityWorkflowId(employeeId));
    const waiting = (why: string): ReconciliationItem | undefined =>
      final ? { ...item, outcome: 'not-verified', detail: why } : undefined;
    if (item.class === 'orphan') {
      const running = await isRunning(client(), employeeId);
      if (running)
        return waiting(`the leaver of ${employeeId} had not finished when the run stopped waiting`);
    } else {
      const status = await handle.query(statusQuery).catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
      if (!status)
        return { ...item, outcome: 'not-verified', detail: `${employeeId}'s identity workflow is gone` };
      if (!status.history.some((h) => h.eventId === item.remediation?.findingId)) {
        return waiting(
          `${employeeId}'s workflow had not settled ${item.remediation?.findingId} when the run stopped waiting`,
        );
      }
    }
    if (!connector) return { ...item, outcome: 'not-verified', detail: `${app.appId} is not configured` };
    // Read back by the application's own id for the account: the report keeps no userName.
    const state = await mapped(() =>
      connector.readState(
        { employeeId, userName: item.accountId, accountId: item.accountId },
        { known: item.entitlements, everything: true },
      ),
    );
    const gaps =
      item.class === 'orphan'
        ? deprovisionGaps(state, app.deprovision)
        : state.unverifiable
          ? [`unverifiable: ${state.unverifiable}`]
          : item.class === 'drift'
            ? item.entitlements.filter((e) => state.entitlements.includes(e)).map((e) => `still holds ${e}`)
            : item.entitlements.filter((e) => !state.entitlements.includes(e)).map((e) => `still lacks ${e}`);
    if (gaps.length) return { ...item, outcome: 'not-verified', detail: `read back: ${gaps.join('; ')}` };
    const done = item.class === 'orphan' ? 'leaver finished' : `${item.remediation?.findingId} settled`;
    return { ...item, outcome: 'verified', detail: `${done}; read back at ${new Date().toISOString()}` };
  }
}

/**
 * A termination for an orphan's owner, through the intake like any HR event. It carries the employee
 * id and the account's userName (how the leaver finds accounts the owner attribute then confirms); jml
 * knows nothing else of someone it never saw, so the other attributes are placeholders the leaver
 * never uses (it changes nothing but access).
 */
export function terminationOf(eventId: string, employeeId: string, userName: string | undefined): HrEvent {
  const now = new Date().toISOString();
  return {
    eventId,
    type: 'terminate',
    occurredAt: now,
    source: 'reconciliation',
    urgent: false,
    employee: {
      id: employeeId,
      userName: userName && /^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(userName) ? userName : employeeId,
      email: `${employeeId}@reconciliation.invalid`,
      givenName: 'unknown',
      familyName: 'unknown',
      department: 'unknown',
      title: 'unknown',
      location: 'unknown',
      employmentType: 'employee',
    },
  };
}

function canList(connector: Connector | undefined): boolean {
  return typeof connector?.listAccounts === 'function';
}

function listPage(connector: Connector, options: { cursor?: string; pageSize: number }) {
  return connector.listAccounts(options);
}

/** The stage of the person's running workflow; `none` when no run is open. */
async function liveStanding(client: Client, employeeId: string): Promise<LiveStanding> {
  if (!(await isRunning(client, employeeId))) return 'none';
  try {
    const { stage } = await client.workflow.getHandle(identityWorkflowId(employeeId)).query(statusQuery);
    return stage;
  } catch (error) {
    // It finished between the two questions.
    if (error instanceof WorkflowNotFoundError) return 'none';
    throw error;
  }
}

async function isRunning(client: Client, employeeId: string): Promise<boolean> {
  try {
    const { status } = await client.workflow.getHandle(identityWorkflowId(employeeId)).describe();
    return status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
