// Leaver: remove every access in every application, in parallel, and finish only when each
// application, read back, shows nothing left.
import { ActivityFailure, TimeoutFailure, patched } from '@temporalio/workflow';
import type { AccountRef, AppState } from '../domain/app-state';
import { deprovisionGaps, unverifiableState } from '../domain/app-state';
import type { Employee } from '../domain/hr-event';
import type { DeprovisionMode } from '../domain/config';
import type { LeaverAppReport, LeaverReport, ManualFulfilment } from '../domain/lifecycle';
import type { ApplicationSummary } from '../activities';
import { applicationCalls } from './activities-proxy';
import { accountIn, recordAccount, type StepContext } from './joiner';
import { withStallWatch } from './stall-watch';
import { summaries } from './summaries';
import { SkippedByOperator, untilVerified, type UntilVerifiedOptions } from './until-verified';

/** Patch id: a leaver's deprovision call reads the account back itself (one activity per application). */
export const DEPROVISION_READS_BACK = 'deprovision-reads-back';

export async function runLeaver(
  ctx: StepContext,
  eventId: string,
  employee: Employee,
  applications: ApplicationSummary[],
  policyVersion: string,
): Promise<LeaverReport> {
  const account: AccountRef = { employeeId: employee.id, userName: employee.userName };
  const startedAt = new Date().toISOString();
  ctx.progress.begin(applications.map((a) => a.id));
  ctx.progress.describe(`removing all access in ${applications.map((a) => a.id).join(', ')}`);

  const reports = await withStallWatch(ctx.progress, () =>
    Promise.all(
      applications.map(({ id: appId, deprovision, manual }) =>
        manual
          ? leaveByHand(ctx, eventId, account, appId, deprovision, manual)
          : deprovisionApp(ctx, employee, appId, deprovision, { skippable: true }),
      ),
    ),
  );
  return { eventId, startedAt, completedAt: new Date().toISOString(), policyVersion, applications: reports };
}

/**
 * The follow-up of a leaver's skipped applications: each is tried again, with the same unbounded
 * backoff, until it is read back clean. It cannot be skipped again.
 */
export async function followUpSkipped(
  ctx: StepContext,
  employee: Employee,
  skipped: LeaverAppReport[],
): Promise<LeaverAppReport[]> {
  ctx.progress.begin(skipped.map((a) => a.appId));
  ctx.progress.describe(
    `follow-up: removing all access in ${skipped.map((a) => a.appId).join(', ')}, skipped in the leaver`,
  );
  return withStallWatch(ctx.progress, () =>
    Promise.all(skipped.map((app) => deprovisionApp(ctx, employee, app.appId, app.deprovision))),
  );
}

/** Removes everything in one application and reads it back until it shows nothing left. */
async function deprovisionApp(
  ctx: StepContext,
  employee: Employee,
  appId: string,
  deprovision: DeprovisionMode,
  options: UntilVerifiedOptions = {},
): Promise<LeaverAppReport> {
  const done = { revoked: new Set<string>(), disabled: false, deleted: false, sessionsEnded: 0 };
  // Everything jml's record or an earlier read-back shows: each is confirmed gone.
  const known = new Set(ctx.granted[appId] ?? []);
  let lastSeen: AppState | undefined;
  const calls = applicationCalls(ctx.appQueues, appId);
  try {
    const {
      value: state,
      attempts,
      verifiedAt,
    } = await untilVerified(
      ctx.progress,
      appId,
      ctx.maxRetryIntervalMs,
      async () => {
        // Runs before this patch read back in a call of its own; since, the deprovision reads back.
        const readsBack = patched(DEPROVISION_READS_BACK);
        const result = await calls.deprovisionInApp
          .executeWithOptions(
            { summary: summaries.deprovision(appId, employee.id, deprovision, readsBack) },
            [
              {
                appId,
                account: accountIn(ctx, appId, employee),
                known: [...known],
                ...(readsBack ? { readBack: true } : {}),
              },
            ],
          )
          .catch((error: unknown) => {
            // An attempt that timed out (its worker lost) may have removed things: what it saw first counts.
            const seen = beforeSeenBy(error);
            seen?.entitlements.forEach((e) => {
              known.add(e);
              done.revoked.add(e);
            });
            if (seen?.active) done.disabled = true;
            throw error;
          });
        recordAccount(ctx, appId, result.before);
        lastSeen = result.before;
        result.before.entitlements.forEach((e) => known.add(e));
        result.revoked.forEach((e) => done.revoked.add(e));
        done.disabled ||= result.disabled;
        done.deleted ||= result.deleted;
        done.sessionsEnded += result.sessionsEnded;
        // A worker from before the read-back moved into the call answers without `after`.
        const state =
          result.after ??
          (await calls.readAppState.executeWithOptions({ summary: summaries.readBack(appId, employee.id) }, [
            { appId, account: accountIn(ctx, appId, employee), known: [...known], everything: true },
          ]));
        recordAccount(ctx, appId, state);
        lastSeen = state;
        return {
          value: state,
          gaps: deprovisionGaps(state, deprovision),
          unverifiable: Boolean(state.unverifiable),
          heldBy: state.heldBy,
        };
      },
      options,
    );
    return {
      appId,
      outcome: state.heldBy ? 'held-by-other' : 'verified',
      ...(state.heldBy ? { heldBy: state.heldBy } : {}),
      deprovision,
      revoked: [...done.revoked].filter((e) => !state.entitlements.includes(e)).sort(),
      disabled: done.disabled,
      deleted: done.deleted,
      sessionsEnded: done.sessionsEnded,
      attempts,
      verifiedState: state,
      verifiedAt,
      evidence: 'read-back',
    };
  } catch (error) {
    if (!(error instanceof SkippedByOperator)) throw error;
    // Nothing is verified: what was done so far is reported, and the follow-up finishes the rest.
    return {
      appId,
      outcome: 'skipped',
      skip: error.decision,
      deprovision,
      revoked: [...done.revoked].filter((e) => !lastSeen?.entitlements.includes(e)).sort(),
      disabled: done.disabled,
      deleted: done.deleted,
      sessionsEnded: done.sessionsEnded,
      attempts: error.attempts,
      verifiedState: lastSeen ?? unverifiableState('skipped before it was read back'),
      verifiedAt: error.decision.at,
      evidence: 'read-back',
    };
  }
}

/** What a failed deprovisioning attempt recorded in its last heartbeat before it was lost. */
function beforeSeenBy(error: unknown): AppState | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof TimeoutFailure)) return undefined;
  const details = cause.lastHeartbeatDetails as { before?: AppState } | undefined;
  return details?.before;
}

/**
 * An application without an API cannot be read back: the leaver is not done until a fulfiller
 * attests the account is gone. Where jml's record shows no access, a task is opened only when the
 * application is set to `leaverTask: always` (access is also given there outside jml).
 */
async function leaveByHand(
  ctx: StepContext,
  eventId: string,
  account: AccountRef,
  appId: string,
  deprovision: DeprovisionMode,
  manual: ManualFulfilment,
): Promise<LeaverAppReport> {
  // What jml's record holds, and what a withdrawn grant task may have had someone do by hand.
  const revoked = [...new Set([...(ctx.granted[appId] ?? []), ...ctx.tasks.unattestedGrants(appId)])].sort();
  const gone = { exists: deprovision !== 'delete', active: false, entitlements: [], openSessions: null };
  if (revoked.length === 0 && manual.leaverTask === 'when-granted') {
    const at = new Date().toISOString();
    ctx.progress.update(appId, { status: 'verified', verifiedAt: at, lastProblem: undefined });
    const nothing = { exists: false, active: false, entitlements: [], openSessions: null };
    return {
      ...report(appId, deprovision, [], false),
      verifiedState: nothing,
      verifiedAt: at,
      evidence: 'record',
    };
  }
  const attestation = await ctx.tasks.fulfil(ctx.progress, ctx.maxRetryIntervalMs, {
    appId,
    account,
    source: eventId,
    work: { grant: [], revoke: revoked, deprovision },
    fulfilment: manual,
    progressKey: appId,
  });
  return {
    ...report(appId, deprovision, revoked, true),
    attempts: 1,
    verifiedState: gone,
    verifiedAt: attestation.at,
    evidence: 'attestation',
    attestation,
  };
}

function report(appId: string, deprovision: DeprovisionMode, revoked: string[], done: boolean) {
  return {
    appId,
    outcome: 'verified' as const,
    deprovision,
    revoked,
    disabled: done,
    deleted: done && deprovision === 'delete',
    sessionsEnded: 0,
    attempts: 0,
  };
}
