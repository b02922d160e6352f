// Joiner (and mover): make every application hold what the plan justifies, verified by read-back.
// Birthright entitlements are granted at once; privileged ones only after the approval gate.
import type { AccountRef } from '../domain/app-state';
import { provisionGaps } from '../domain/app-state';
import type { Employee } from '../domain/hr-event';
import type { ApprovalRequest, JoinerAppReport, JoinerReport } from '../domain/lifecycle';
import type { AccessPlan, PlannedEntitlement } from '../domain/policy';
import { activities } from './activities-proxy';
import type { ApprovalGate } from './approval-gate';
import type { Progress } from './progress';
import { untilVerified } from './until-verified';

export interface StepContext {
  progress: Progress;
  gate: ApprovalGate;
  maxRetryIntervalMs: number;
}

type Granted = Record<string, string[]>;

/**
 * Grants the plan. With `previous` (what the person holds, for a mover), entitlements the new plan
 * no longer justifies are revoked in the same pass, and privileged ones already held are kept
 * without asking again.
 */
export async function runJoiner(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  plan: AccessPlan,
  previous: Granted = {},
): Promise<JoinerReport> {
  const startedAt = new Date().toISOString();
  const account: AccountRef = { employeeId: employee.id, userName: employee.userName };
  const needsApproval = plan.entitlements.filter(
    (e) => e.approval && !previous[e.appId]?.includes(e.entitlement),
  );
  const waiting = (appId: string, name: string) =>
    needsApproval.some((e) => e.appId === appId && e.entitlement === name);
  const appIds = Object.keys(plan.apps).filter(
    (appId) => (plan.apps[appId]?.length ?? 0) > 0 || (previous[appId]?.length ?? 0) > 0,
  );
  ctx.progress.begin(appIds);
  ctx.progress.describe(
    needsApproval.length
      ? `granting access in ${appIds.join(', ')}; ${needsApproval.length} privileged grant(s) wait for approval`
      : `granting access in ${appIds.join(', ') || 'no application'}`,
  );

  const granted: Granted = {};
  const [applications, approvals] = await Promise.all([
    Promise.all(
      appIds.map((appId) => {
        const wanted = (plan.apps[appId] ?? []).filter((e) => !waiting(appId, e));
        const unwanted = (previous[appId] ?? []).filter((e) => !(plan.apps[appId] ?? []).includes(e));
        granted[appId] = [...wanted];
        return converge(ctx, appId, employee, account, wanted, unwanted);
      }),
    ),
    Promise.all(
      needsApproval.map((planned) => grantWithApproval(ctx, eventId, employee, account, planned, granted)),
    ),
  ]);
  for (const appId of Object.keys(granted)) granted[appId]!.sort();
  return {
    eventId,
    startedAt,
    completedAt: new Date().toISOString(),
    plan,
    applications,
    approvals,
    granted,
    drift: driftOf(plan, applications),
  };
}

/** Access an application showed on read-back that the plan does not justify: reported, not kept silently. */
function driftOf(plan: AccessPlan, applications: JoinerAppReport[]): Granted {
  const drift: Granted = {};
  for (const { appId, verifiedState } of applications) {
    const extra = verifiedState.entitlements.filter((e) => !(plan.apps[appId] ?? []).includes(e));
    if (extra.length) drift[appId] = extra;
  }
  return drift;
}

/** One application made to hold `wanted` and not `unwanted`, until a read-back shows it does. */
async function converge(
  ctx: StepContext,
  progressKey: string,
  employee: Employee,
  account: AccountRef,
  wanted: string[],
  unwanted: string[],
  appId = progressKey,
): Promise<JoinerAppReport> {
  let created = false;
  const {
    value: state,
    attempts,
    verifiedAt,
  } = await untilVerified(ctx.progress, progressKey, ctx.maxRetryIntervalMs, async () => {
    if (wanted.length) {
      const result = await activities.provisionInApp({ appId, employee, entitlements: wanted });
      created ||= result.created;
    }
    if (unwanted.length) await activities.revokeInApp({ appId, account, entitlements: unwanted });
    const state = await activities.readAppState({ appId, account });
    const gaps = wanted.length ? provisionGaps(state, wanted) : [];
    const kept = unwanted.filter((e) => state.entitlements.includes(e));
    if (kept.length) gaps.push(`still holds revoked entitlements: ${kept.join(', ')}`);
    return { value: state, gaps };
  });
  return { appId, created, granted: wanted, attempts, verifiedState: state, verifiedAt };
}

async function grantWithApproval(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  account: AccountRef,
  planned: PlannedEntitlement,
  granted: Granted,
): Promise<ApprovalRequest> {
  const request = await ctx.gate.request(planned, eventId);
  if (request.status !== 'approved') return request;
  const key = `${planned.appId} (${planned.entitlement})`;
  ctx.progress.update(key, { status: 'working', attempts: 0 });
  await converge(ctx, key, employee, account, [planned.entitlement], [], planned.appId);
  (granted[planned.appId] ??= []).push(planned.entitlement);
  return request;
}
