// Joiner (and mover): make every application hold what the plan justifies, verified by read-back.
// Birthright entitlements are granted at once; privileged ones only after the approval gate.
import type { AccountRef } from '../domain/app-state';
import { provisionGaps, type AppState } from '../domain/app-state';
import type { Employee } from '../domain/hr-event';
import type {
  ApprovalRequest,
  JoinerAppReport,
  JoinerReport,
  ManualFulfilment,
  ScheduledRevocation,
} from '../domain/lifecycle';
import type { AccessPlan, PlannedEntitlement } from '../domain/policy';
import { applicationCalls } from './activities-proxy';
import type { AppLocks } from './app-locks';
import type { ApprovalGate } from './approval-gate';
import type { ManualTasks } from './manual-tasks';
import type { Progress } from './progress';
import type { RevocationSchedule } from './revocation-schedule';
import { settleAll } from './settle-all';
import { withStallWatch } from './stall-watch';
import { summaries } from './summaries';
import { untilVerified } from './until-verified';
import { patched } from '@temporalio/workflow';

/** Patch id: a grant with nothing to revoke reads the account back itself (one activity per application). */
export const PROVISION_READS_BACK = 'provision-reads-back';

export type Granted = Record<string, string[]>;

export interface StepContext {
  progress: Progress;
  gate: ApprovalGate;
  tasks: ManualTasks;
  /** Applications without an API, by id: people do their work and attest it. */
  manualApps: Record<string, ManualFulfilment>;
  /** The task queue of each application with limits of its own (workflows/activities-proxy.ts). */
  appQueues: Record<string, string>;
  locks: AppLocks;
  schedule: RevocationSchedule;
  /** What the person holds per application, as last verified. Shared with scheduled revocations. */
  granted: Granted;
  /** The application's own id for the person's account (SCIM id, LDAP DN), per application. */
  accounts: Record<string, string>;
  maxRetryIntervalMs: number;
  /** A mover keeps old-role access this long; 0 revokes it at once. */
  moverOverlapMs: number;
}

/**
 * Grants the plan. For someone who already holds access (a mover), entitlements the new plan no
 * longer justifies are revoked in the same pass (or after the overlap), and privileged ones already
 * held are kept without asking again.
 */
export async function runJoiner(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  plan: AccessPlan,
  /** A joiner (hire, rehire) holds exactly its plan: what an adopted account already held is removed. */
  joining: boolean,
): Promise<JoinerReport> {
  const startedAt = new Date().toISOString();
  const held = ctx.granted;
  const needsApproval = plan.entitlements.filter(
    (e) => e.approval && !held[e.appId]?.includes(e.entitlement),
  );
  const appIds = Object.keys(plan.apps).filter(
    (appId) => (plan.apps[appId]?.length ?? 0) > 0 || (held[appId]?.length ?? 0) > 0,
  );
  ctx.progress.begin(appIds);
  ctx.progress.describe(`granting access in ${appIds.join(', ') || 'no application'}`);

  const revokeLater: ScheduledRevocation[] = [];
  const [applications, approvals] = await withStallWatch(ctx.progress, async () => {
    const applied = settleAll(
      appIds.map((appId) =>
        ctx.locks.withApp(appId, () => applyToApp(ctx, eventId, appId, employee, plan, revokeLater, joining)),
      ),
    );
    const decided = settleAll(
      needsApproval.map((planned) => grantWithApproval(ctx, eventId, employee, planned)),
    );
    // Both halves end before the step does, whichever fails first.
    await Promise.allSettled([applied, decided]);
    return Promise.all([applied, decided]);
  });
  return {
    eventId,
    startedAt,
    completedAt: new Date().toISOString(),
    plan,
    applications,
    approvals,
    granted: Object.fromEntries(Object.entries(ctx.granted).map(([appId, names]) => [appId, [...names]])),
    drift: driftOf(plan, applications, revokeLater),
    revokeLater,
  };
}

/**
 * One application brought to the plan, reading what the person holds under the application's lock:
 * privileged access is granted only through the gate (or kept when already held), and access the
 * plan no longer justifies is revoked now or scheduled for the end of the mover's overlap.
 */
async function applyToApp(
  ctx: StepContext,
  eventId: string,
  appId: string,
  employee: Employee,
  plan: AccessPlan,
  revokeLater: ScheduledRevocation[],
  joining: boolean,
): Promise<JoinerAppReport> {
  const planned = plan.apps[appId] ?? [];
  const held = ctx.granted[appId] ?? [];
  const privileged = new Set(
    plan.entitlements.filter((e) => e.appId === appId && e.approval).map((e) => e.entitlement),
  );
  const wanted = planned.filter((e) => !privileged.has(e) || held.includes(e));
  const unwanted = held.filter((e) => !planned.includes(e));
  const keptForOverlap = ctx.moverOverlapMs > 0 ? unwanted : [];
  const revokeNow = unwanted.filter((e) => !keptForOverlap.includes(e));

  for (const entitlement of planned) ctx.schedule.drop(appId, entitlement, 'mover-overlap');
  for (const entitlement of revokeNow) ctx.schedule.drop(appId, entitlement);
  const dueAt = new Date(Date.now() + ctx.moverOverlapMs).toISOString();
  for (const entitlement of keptForOverlap) {
    revokeLater.push(
      ctx.schedule.add({ appId, entitlement, reason: 'mover-overlap', dueAt, source: eventId }),
    );
  }
  const report = await converge(ctx, {
    progressKey: appId,
    appId,
    source: eventId,
    employee,
    wanted,
    unwanted: revokeNow,
    removeUnjustified: joining,
  });
  ctx.granted[appId] = [...new Set([...wanted, ...keptForOverlap])].sort();
  return report;
}

/** Access an application showed on read-back that the plan does not justify: reported, not kept silently. */
function driftOf(
  plan: AccessPlan,
  applications: JoinerAppReport[],
  revokeLater: ScheduledRevocation[],
): Granted {
  const drift: Granted = {};
  for (const { appId, verifiedState } of applications) {
    const extra = verifiedState.entitlements.filter(
      (e) =>
        !(plan.apps[appId] ?? []).includes(e) &&
        !revokeLater.some((r) => r.appId === appId && r.entitlement === e),
    );
    if (extra.length) drift[appId] = extra;
  }
  return drift;
}

export interface Change {
  progressKey: string;
  appId: string;
  /** The HR event or approval request this change serves. */
  source: string;
  employee: Employee;
  wanted: string[];
  unwanted: string[];
  /** Also remove whatever else the account holds (a joiner adopting an existing account). */
  removeUnjustified?: boolean;
}

/** The person's account in one application, addressed by the id jml recorded there once it has one. */
export function accountIn(ctx: StepContext, appId: string, employee: Employee): AccountRef {
  const accountId = ctx.accounts[appId];
  return { employeeId: employee.id, userName: employee.userName, ...(accountId ? { accountId } : {}) };
}

/** Keeps the id an application showed for the person's own account; forgets it once there is none. */
export function recordAccount(ctx: StepContext, appId: string, state: AppState): void {
  if (state.accountId) ctx.accounts[appId] = state.accountId;
  else if (!state.unverifiable && (!state.exists || state.heldBy)) delete ctx.accounts[appId];
}

/**
 * One application made to hold `wanted` and not `unwanted`, until a read-back shows it does (or, for
 * an application without an API, until someone attests it).
 */
export async function converge(ctx: StepContext, change: Change): Promise<JoinerAppReport> {
  const fulfilment = ctx.manualApps[change.appId];
  if (fulfilment) return convergeByHand(ctx, change, fulfilment);
  const { progressKey, appId, employee, wanted, unwanted } = change;
  const known = [...new Set([...wanted, ...unwanted, ...(ctx.granted[appId] ?? [])])];
  let created = false;
  const removed = new Set<string>();
  const calls = applicationCalls(ctx.appQueues, appId);
  const {
    value: state,
    attempts,
    verifiedAt,
  } = await untilVerified(ctx.progress, progressKey, ctx.maxRetryIntervalMs, async () => {
    // Runs before this patch read back in a call of its own; since, a grant alone reads back itself.
    const grantReadsBack = wanted.length > 0 && !unwanted.length && patched(PROVISION_READS_BACK);
    let granted: AppState | undefined;
    if (wanted.length) {
      const result = await calls.provisionInApp.executeWithOptions(
        { summary: summaries.provision(appId, employee.id, wanted, grantReadsBack) },
        [
          {
            appId,
            employee,
            accountId: ctx.accounts[appId],
            entitlements: wanted,
            ...(grantReadsBack ? { readBack: known } : {}),
          },
        ],
      );
      ctx.accounts[appId] = result.accountId;
      created ||= result.created;
      granted = result.after;
    }
    const account = accountIn(ctx, appId, employee);
    const revoke = (entitlements: string[]) =>
      calls.revokeInApp.executeWithOptions({ summary: summaries.revoke(appId, employee.id, entitlements) }, [
        { appId, account, entitlements },
      ]);
    const readBack = (names: string[]) =>
      calls.readAppState.executeWithOptions({ summary: summaries.readBack(appId, employee.id) }, [
        { appId, account, known: names },
      ]);
    if (unwanted.length) await revoke(unwanted);
    // A worker from before the read-back moved into the call answers without `after`.
    let state = granted ?? (await readBack(known));
    const unjustified = change.removeUnjustified ? state.entitlements.filter((e) => !wanted.includes(e)) : [];
    if (unjustified.length) {
      await revoke(unjustified);
      unjustified.forEach((e) => removed.add(e));
      state = await readBack([...known, ...unjustified]);
    }
    recordAccount(ctx, appId, state);
    const gaps = wanted.length ? provisionGaps(state, wanted) : [];
    if (state.unverifiable && gaps.length === 0) gaps.push(`unverifiable: ${state.unverifiable}`);
    const kept = [...unwanted, ...removed].filter((e) => state.entitlements.includes(e));
    if (kept.length) gaps.push(`still holds revoked entitlements: ${kept.join(', ')}`);
    return { value: state, gaps, unverifiable: Boolean(state.unverifiable) };
  });
  return {
    appId,
    created,
    granted: wanted,
    attempts,
    verifiedState: state,
    verifiedAt,
    evidence: 'read-back',
    ...(removed.size ? { removed: [...removed].sort() } : {}),
  };
}

/** The same for an application without an API: a task for its fulfillers, done when attested. */
async function convergeByHand(
  ctx: StepContext,
  { progressKey, appId, source, employee, wanted, unwanted }: Change,
  fulfilment: ManualFulfilment,
): Promise<JoinerAppReport> {
  const held = ctx.granted[appId] ?? [];
  const work = { grant: wanted.filter((e) => !held.includes(e)), revoke: unwanted };
  const attestation =
    work.grant.length || work.revoke.length
      ? await ctx.tasks.fulfil(ctx.progress, ctx.maxRetryIntervalMs, {
          appId,
          account: accountIn(ctx, appId, employee),
          source,
          work,
          fulfilment,
          progressKey,
        })
      : undefined;
  const verifiedAt = attestation?.at ?? new Date().toISOString();
  ctx.progress.update(progressKey, { status: 'verified', verifiedAt, lastProblem: undefined });
  return {
    appId,
    created: false,
    granted: wanted,
    attempts: attestation ? 1 : 0,
    verifiedState: { exists: true, active: true, entitlements: [...wanted].sort(), openSessions: null },
    verifiedAt,
    evidence: attestation ? 'attestation' : 'record',
    attestation,
  };
}

/** Asks the gate; once approved, grants and verifies, and starts the clock on time-bound access. */
async function grantWithApproval(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  planned: PlannedEntitlement,
): Promise<ApprovalRequest> {
  const request = await ctx.gate.request(planned, eventId);
  if (request.status !== 'approved') return request;
  const { appId, entitlement, maxDurationMs } = planned;
  const key = `${appId} (${entitlement})`;
  ctx.progress.update(key, { status: 'working', attempts: 0 });
  await ctx.locks.withApp(appId, async () => {
    await converge(ctx, {
      progressKey: key,
      appId,
      source: request.requestId,
      employee,
      wanted: [entitlement],
      unwanted: [],
    });
    ctx.granted[appId] = [...new Set([...(ctx.granted[appId] ?? []), entitlement])].sort();
    if (maxDurationMs !== undefined) {
      const dueAt = new Date(Date.now() + maxDurationMs).toISOString();
      ctx.schedule.add({ appId, entitlement, reason: 'expiry', dueAt, source: request.requestId });
    }
  });
  return request;
}
