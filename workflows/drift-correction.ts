// A reconciliation's drift finding, put right in one application as a step of its own: under the
// application's lock, verified by read-back like any change. The person's workflow re-checks the
// finding against its own record first, so a stale or wrong finding changes nothing it should not.
import type { Employee } from '../domain/hr-event';
import type { JoinerAppReport } from '../domain/lifecycle';
import type { AccessPlan } from '../domain/policy';
import { converge, type StepContext } from './joiner';
import type { DriftFinding } from './messages';
import { withStallWatch } from './stall-watch';

export interface DriftCorrection {
  granted: string[];
  revoked: string[];
  report: JoinerAppReport;
}

/**
 * Only what the plan does not justify and jml never granted is removed; only what jml granted and the
 * application lost is granted again (never a privileged entitlement that was not approved). Undefined:
 * nothing of the finding holds, so nothing was done.
 */
export async function correctDrift(
  ctx: StepContext,
  employee: Employee,
  plan: AccessPlan | undefined,
  { findingId, appId, revoke, grant }: DriftFinding,
): Promise<DriftCorrection | undefined> {
  const planned = plan?.apps[appId] ?? [];
  const held = ctx.granted[appId] ?? [];
  const revoked = [...new Set(revoke)].filter((e) => !planned.includes(e) && !held.includes(e));
  const granted = [...new Set(grant)].filter((e) => planned.includes(e) && held.includes(e));
  if (revoked.length === 0 && granted.length === 0) return undefined;
  ctx.progress.begin([appId]);
  const work = [
    granted.length ? `grant ${granted.join(', ')}` : '',
    revoked.length ? `revoke ${revoked.join(', ')}` : '',
  ];
  ctx.progress.describe(`reconciliation ${findingId}: ${appId}: ${work.filter(Boolean).join('; ')}`);
  const report = await withStallWatch(ctx.progress, () =>
    ctx.locks.withApp(appId, () =>
      converge(ctx, {
        progressKey: appId,
        appId,
        source: findingId,
        employee,
        wanted: granted,
        unwanted: revoked,
      }),
    ),
  );
  return { granted, revoked, report };
}
