// Joiner (and mover): make every application hold exactly what the plan says, verified by read-back.
import type { AccountRef } from '../domain/app-state';
import { provisionGaps } from '../domain/app-state';
import type { Employee } from '../domain/hr-event';
import type { JoinerAppReport, JoinerReport } from '../domain/lifecycle';
import type { AccessPlan } from '../domain/policy';
import { activities } from './activities-proxy';
import type { Progress } from './progress';
import { untilVerified } from './until-verified';

export interface StepContext {
  progress: Progress;
  maxRetryIntervalMs: number;
}

/**
 * Grants the plan in every application that it gives something in, in parallel. When a previous
 * plan is given (a mover), what it granted and the new plan does not is revoked in the same pass.
 */
export async function runJoiner(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  plan: AccessPlan,
  previous?: AccessPlan,
): Promise<JoinerReport> {
  const startedAt = new Date().toISOString();
  const account: AccountRef = { employeeId: employee.id, userName: employee.userName };
  const appIds = Object.keys(plan.apps).filter(
    (appId) => (plan.apps[appId]?.length ?? 0) > 0 || (previous?.apps[appId]?.length ?? 0) > 0,
  );
  ctx.progress.begin(appIds);
  ctx.progress.describe(`granting access in ${appIds.join(', ') || 'no application'}`);

  const applications = await Promise.all(
    appIds.map(async (appId): Promise<JoinerAppReport> => {
      const wanted = plan.apps[appId] ?? [];
      const unwanted = (previous?.apps[appId] ?? []).filter((e) => !wanted.includes(e));
      let created = false;
      const {
        value: state,
        attempts,
        verifiedAt,
      } = await untilVerified(ctx.progress, appId, ctx.maxRetryIntervalMs, async () => {
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
    }),
  );
  return { eventId, startedAt, completedAt: new Date().toISOString(), plan, applications };
}
