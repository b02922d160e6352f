// Removes access whose time has come (time-bound privilege, a mover's overlap), verified like any
// other change, under each application's lock so it never interleaves with a joiner or mover.
import type { Employee } from '../domain/hr-event';
import type { RevocationRecord, ScheduledRevocation } from '../domain/lifecycle';
import type { AccessPlan } from '../domain/policy';
import { converge, type StepContext } from './joiner';

const REASON_WORDS = { expiry: 'expired', 'mover-overlap': 'overlap ended' } as const;

export async function revokeDue(
  ctx: StepContext,
  employee: Employee,
  due: ScheduledRevocation[],
  plan: AccessPlan | undefined,
): Promise<RevocationRecord[]> {
  const appIds = [...new Set(due.map((d) => d.appId))];
  const perApp = await Promise.all(
    appIds.map((appId) =>
      ctx.locks.withApp(appId, () =>
        revokeInOneApp(
          ctx,
          employee,
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
  employee: Employee,
  appId: string,
  due: ScheduledRevocation[],
  planned: string[],
): Promise<RevocationRecord[]> {
  // Old-role access that the current plan justifies again (a later move back) is kept; expiry never is.
  const keep = (d: ScheduledRevocation) => d.reason === 'mover-overlap' && planned.includes(d.entitlement);
  const kept: RevocationRecord[] = due
    .filter(keep)
    .map((d) => ({ ...d, outcome: 'kept', at: new Date().toISOString(), attempts: 0 }));
  const revoke = due.filter((d) => !keep(d));
  const names = [...new Set(revoke.map((d) => d.entitlement))].sort();
  if (names.length === 0) return kept;

  const why = [...new Set(revoke.map((d) => REASON_WORDS[d.reason]))].join(', ');
  const {
    verifiedAt: at,
    attempts,
    verifiedState,
    attestation,
  } = await converge(ctx, {
    progressKey: `${appId} (${names.join(', ')}: ${why})`,
    appId,
    source: [...new Set(revoke.map((d) => d.source))].join(', '),
    employee,
    wanted: [],
    unwanted: names,
  });
  const evidence = attestation ? { at, attempts, attestation } : { at, attempts, verifiedState };
  ctx.granted[appId] = (ctx.granted[appId] ?? []).filter((e) => !names.includes(e));
  for (const name of names) ctx.schedule.drop(appId, name);
  const revoked = revoke.map((d): RevocationRecord => ({ ...d, outcome: 'revoked', ...evidence }));
  return [...kept, ...revoked];
}
