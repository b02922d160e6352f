// The activities the identity workflows call. Each is idempotent, so a retry never duplicates.
import type { AccountRef, AppState, ReadOptions } from '../domain/app-state';
import type { DeprovisionMode, JmlConfig } from '../domain/config';
import type { Employee } from '../domain/hr-event';
import { planAccess, type AccessPlan } from '../domain/policy';
import type { Policy } from '../domain/policy-schema';
import type { Connector } from '../connectors/connector';
import type { ManualTaskChannel, TaskNotice } from '../connectors/manual/task-channel';
import type { ManualFulfilment } from '../domain/lifecycle';
import type { Logger } from '../common/logger';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { identityWorkflowId } from '../domain/lifecycle';
import { statusQuery } from '../workflows/messages';
import { settleEach } from '../connectors/concurrency';
import { mapped } from './failures';

/** Entitlement changes under way at once in one application for one person. */
const CHANGES_AT_ONCE = 8;

export interface ApplicationSummary {
  id: string;
  deprovision: DeprovisionMode;
  /** Present for applications without an API, where people do the work and attest it. */
  manual?: ManualFulfilment;
  /** Present for applications with limits of their own: the task queue their calls go to. */
  taskQueue?: string;
}

export interface PlanResult {
  plan: AccessPlan;
  applications: ApplicationSummary[];
}

export interface ProvisionInput {
  appId: string;
  employee: Employee;
  /** The application's own id for the account, when jml has recorded it. */
  accountId?: string;
  entitlements: string[];
  /**
   * Read the account back once granted, confirming these entitlements, and return it as `after`: the
   * read-back in the same call, one Temporal round trip fewer per application.
   */
  readBack?: string[];
}

export interface ProvisionResult {
  created: boolean;
  /** Entitlements that were added (those already held are not added again). */
  granted: string[];
  accountId: string;
  /** With `readBack`: the account as the application shows it after the grants. */
  after?: AppState;
}

export interface DeprovisionInput {
  appId: string;
  account: AccountRef;
  /** Entitlements jml's record says the account may hold. */
  known?: string[];
  /**
   * Read the account back once the changes are made and return it as `after`: the read-back in the
   * same call, one Temporal round trip fewer per application.
   */
  readBack?: boolean;
}

export interface DeprovisionResult {
  /** Entitlements the account held and that were revoked. */
  revoked: string[];
  disabled: boolean;
  deleted: boolean;
  sessionsEnded: number;
  /**
   * What the account held before any entitlement was removed (read with the disable where the
   * connector can, its `active` then true); nothing more is changed unless it is the person's.
   */
  before: AppState;
  /**
   * With `readBack`: the account as the application shows it after the changes, read everything; the
   * reading `before` itself where nothing was changed (no account, someone else's, or unreadable).
   */
  after?: AppState;
}

export interface ReadInput extends ReadOptions {
  appId: string;
  account: AccountRef;
}

export interface ApproverNotice {
  kind: 'request' | 'reminder' | 'escalation';
  requestId: string;
  employeeId: string;
  appId: string;
  entitlement: string;
  stepLabel: string;
  approvers: string[];
  deadline?: string;
}

export interface ActivityDeps {
  config: JmlConfig;
  policy: Policy;
  policyVersion: string;
  connectors: Map<string, Connector>;
  /** How manual applications' fulfillers are told of tasks. */
  taskChannels?: Map<string, ManualTaskChannel>;
  /** Where approver notifications go (ids only, no personal data). */
  logger?: Pick<Logger, 'info'>;
  /** The task queue of each application with limits of its own (domain/application-queues.ts). */
  applicationQueues?: Record<string, string>;
}

export function createActivities({
  config,
  policy,
  policyVersion,
  connectors,
  taskChannels = new Map(),
  logger,
  applicationQueues = {},
}: ActivityDeps) {
  const connectorFor = (appId: string): Connector => {
    const connector = connectors.get(appId);
    if (!connector) throw new Error(`application "${appId}" is not configured`);
    return connector;
  };
  const modeOf = (appId: string): DeprovisionMode =>
    config.applications.find((a) => a.id === appId)?.deprovision ?? 'disable';

  return {
    /** Evaluates the policy for one person; the result (with the policy version) is the plan of record. */
    planAccess(employee: Employee): Promise<PlanResult> {
      const appIds = config.applications.map((a) => a.id);
      return Promise.resolve({
        plan: planAccess(employee, policy, appIds, policyVersion),
        applications: config.applications.map((a): ApplicationSummary =>
          a.kind === 'manual'
            ? {
                id: a.id,
                deprovision: a.deprovision,
                manual: {
                  fulfillers: a.fulfillers,
                  escalateTo: a.escalateTo,
                  taskTimeoutMs: a.taskTimeout,
                  leaverTask: a.leaverTask,
                },
              }
            : {
                id: a.id,
                deprovision: a.deprovision,
                ...(applicationQueues[a.id] ? { taskQueue: applicationQueues[a.id] } : {}),
              },
        ),
      });
    },

    /**
     * Creates (or adopts, when it is provably the person's) the account and grants each entitlement it
     * does not hold yet, so no server is asked to add a member twice.
     */
    provisionInApp({
      appId,
      employee,
      accountId,
      entitlements,
      readBack,
    }: ProvisionInput): Promise<ProvisionResult> {
      const connector = connectorFor(appId);
      return mapped(async (pulse) => {
        const ensured = await connector.ensureAccount({
          employeeId: employee.id,
          userName: employee.userName,
          accountId,
          email: employee.email,
          givenName: employee.givenName,
          familyName: employee.familyName,
        });
        const account = {
          employeeId: employee.id,
          userName: employee.userName,
          accountId: ensured.accountId,
        };
        const held = ensured.created
          ? []
          : (await connector.readState(account, { known: entitlements })).entitlements;
        const missing = entitlements.filter((e) => !held.includes(e));
        await settleEach(missing, CHANGES_AT_ONCE, (entitlement) => {
          // A step cancelled meanwhile (a termination) grants nothing more.
          pulse.throwIfCancelled();
          return connector.grant(account, entitlement);
        });
        const result = { created: ensured.created, granted: missing, accountId: ensured.accountId };
        return readBack
          ? { ...result, after: await connector.readState(account, { known: readBack }) }
          : result;
      });
    },

    /** Revokes some entitlements and leaves the account otherwise as it is (movers, cancelled joiners). */
    revokeInApp({
      appId,
      account,
      entitlements,
    }: DeprovisionInput & { entitlements: string[] }): Promise<void> {
      const connector = connectorFor(appId);
      return mapped(() =>
        settleEach(entitlements, CHANGES_AT_ONCE, (entitlement) => connector.revoke(account, entitlement)),
      );
    },

    /**
     * Removes all access the application shows, not only what jml granted: disables the account first
     * (it cuts sign-in), ends sessions, then revokes every entitlement in parallel, or deletes the
     * account where the application is set to. Where the connector can, the disable and the reading
     * of what the account holds are one round trip.
     */
    deprovisionInApp({
      appId,
      account,
      known = [],
      readBack = false,
    }: DeprovisionInput): Promise<DeprovisionResult> {
      const connector = connectorFor(appId);
      const deleting = modeOf(appId) === 'delete';
      return mapped<DeprovisionResult, { before: AppState }>(async (pulse) => {
        // What an earlier attempt saw before it removed anything belongs in this attempt's report.
        const earlier = pulse.previous?.before;
        const options = {
          known: [...new Set([...known, ...(earlier?.entitlements ?? [])])],
          everything: true,
        };
        const disabledWithReading = connector.disableAndRead !== undefined;
        const seen = connector.disableAndRead
          ? await connector.disableAndRead(account, options)
          : await connector.readState(account, options);
        const before = mergeBefore(seen, earlier);
        // Recorded before any entitlement is removed, so a lost attempt's removals stay in the report.
        pulse.record({ before });
        // Nothing is changed in an account that is not provably the person's, or that cannot be read.
        if (!before.exists || before.heldBy || before.unverifiable) {
          const untouched = { revoked: [], disabled: false, deleted: false, sessionsEnded: 0, before };
          return readBack ? { ...untouched, after: before } : untouched;
        }
        const own = { ...account, accountId: before.accountId };
        if (!disabledWithReading) await connector.disable(own);
        const sessionsEnded = await connector.terminateSessions(own);
        const held = before.entitlements;
        if (deleting && connector.deleteAccount) {
          await connector.deleteAccount(own, held);
        } else {
          await settleEach(held, CHANGES_AT_ONCE, (entitlement) => connector.revoke(own, entitlement));
          if (deleting) await connector.delete(own);
        }
        const result = { revoked: held, disabled: true, deleted: deleting, sessionsEnded, before };
        if (!readBack) return result;
        const after = await connector.readState(own, {
          known: [...new Set([...options.known, ...held])],
          everything: true,
          deleted: deleting,
        });
        return { ...result, after };
      });
    },

    /**
     * Whether an approver or fulfiller is still employed, by jml's own record of them: `left` once their
     * leaver started (or their workflow ended with one), `unknown` when jml has never seen them.
     */
    async employmentStanding(employeeId: string): Promise<'employed' | 'left' | 'unknown'> {
      const handle = Context.current().client.workflow.getHandle(identityWorkflowId(employeeId));
      try {
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') return status.name === 'COMPLETED' ? 'left' : 'unknown';
        const { stage } = await handle.query(statusQuery);
        return stage === 'leaving' || stage === 'left' ? 'left' : 'employed';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'unknown';
        throw error;
      }
    },

    /** Tells approvers a decision is wanted (a structured log line that a notifier can forward). */
    notifyApprovers(notice: ApproverNotice): Promise<void> {
      logger?.info(
        { approval: notice },
        `approval ${notice.kind}: ${notice.requestId} waits for ${notice.stepLabel}`,
      );
      return Promise.resolve();
    },

    /** Tells a manual application's fulfillers of a task (webhook and log line). */
    sendManualTask(notice: TaskNotice): Promise<void> {
      const channel = taskChannels.get(notice.appId);
      if (!channel) throw new Error(`application "${notice.appId}" is not a configured manual application`);
      return mapped(() => channel.send(notice));
    },

    /** Reads the person's account back from the application: the only evidence of verification. */
    readAppState({ appId, account, known, everything }: ReadInput): Promise<AppState> {
      const connector = connectorFor(appId);
      return mapped(() => connector.readState(account, { known, everything }));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * What the application showed before a leaver changed it, across attempts: an attempt that died after
 * removing something left its own reading behind, and what it removed is still the leaver's to report.
 */
function mergeBefore(now: AppState, earlier: AppState | undefined): AppState {
  if (!earlier || now.unverifiable || now.heldBy || !earlier.exists) return now;
  return {
    ...now,
    exists: true,
    // The account the earlier attempt changed, should it be gone now (what it held may still be listed).
    accountId: now.accountId ?? earlier.accountId,
    active: now.active || earlier.active,
    entitlements: [...new Set([...now.entitlements, ...earlier.entitlements])].sort(),
  };
}
