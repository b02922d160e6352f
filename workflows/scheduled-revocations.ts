// Removes access whose time has come (time-bound privilege, a mover's overlap), verified by
// read-back, under each application's lock so it never interleaves with a joiner or mover.
import type { AccountRef } from '../domain/app-state';
import type { RevocationRecord, ScheduledRevocation } from '../domain/lifecycle';
import type { AccessPlan } from '../domain/policy';
import { activities } from './activities-proxy';
import type { StepContext } from './joiner';
import { untilVerified } from './until-verified';

const REASON_WORDS = { expiry: 'expired', 'mover-overlap': 'overlap ended' } as const;

export async function revokeDue(
  ctx: StepContext,
  account: AccountRef,
  due: ScheduledRevocation[],
  plan: AccessPlan | undefined,
): Promise<RevocationRecord[]> {
  const appIds = [...new Set(due.map((d) => d.appId))];
  const perApp = await Promise.all(
    appIds.map((appId) =>
      ctx.locks.withApp(appId, () =>
        revokeInOneApp(
          ctx,
          account,
          appId,
          due.filter((d) => d.appId === appId),
          plan?.apps[appId] ?? [],
        ),
      ),
    ),
  );
  return perApp.flat();
}

async function revokeInOneApp(
  ctx: StepContext,
  account: AccountRef,
  appId: string,
  due: ScheduledRevocation[],
  planned: string[],
): Promise<RevocationRecord[]> {
  const at = () => new Date().toISOString();
  // Old-role access that the current plan justifies again (a later move back) is kept; expiry never is.
  const keep = (d: ScheduledRevocation) => d.reason === 'mover-overlap' && planned.includes(d.entitlement);
  const kept: RevocationRecord[] = due
    .filter(keep)
    .map((d) => ({ ...d, outcome: 'kept', at: at(), attempts: 0 }));
  const revoke = due.filter((d) => !keep(d));
  const names = [...new Set(revoke.map((d) => d.entitlement))].sort();
  if (names.length === 0) return kept;

  const why = [...new Set(revoke.map((d) => REASON_WORDS[d.reason]))].join(', ');
  const progressKey = `${appId} (${names.join(', ')}: ${why})`;
  const fulfilment = ctx.manualApps[appId];
  const evidence = fulfilment
    ? await ctx.tasks
        .fulfil(ctx.progress, ctx.maxRetryIntervalMs, {
          appId,
          account,
          source: [...new Set(revoke.map((d) => d.source))].join(', '),
          work: { grant: [], revoke: names },
          fulfilment,
          progressKey,
        })
        .then((attestation) => ({ at: attestation.at, attempts: 1, attestation }))
    : await untilVerified(ctx.progress, progressKey, ctx.maxRetryIntervalMs, async () => {
        await activities.revokeInApp({ appId, account, entitlements: names });
        const state = await activities.readAppState({ appId, account });
        const still = names.filter((n) => state.entitlements.includes(n));
        return { value: state, gaps: still.length ? [`still holds ${still.join(', ')}`] : [] };
      }).then(({ value, attempts, verifiedAt }) => ({ at: verifiedAt, attempts, verifiedState: value }));
  ctx.granted[appId] = (ctx.granted[appId] ?? []).filter((e) => !names.includes(e));
  for (const name of names) ctx.schedule.drop(appId, name);
  const revoked = revoke.map((d): RevocationRecord => ({ ...d, outcome: 'revoked', ...evidence }));
  return [...kept, ...revoked];
}
