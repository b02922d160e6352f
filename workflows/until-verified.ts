// The loop every application step runs in: act, read the application back, and repeat with
// backoff until the read-back matches. Failures flag NeedsAttention instead of giving up.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
} from '@temporalio/workflow';
import type { AppStepStatus, SkipDecision } from '../domain/lifecycle';
import type { Progress } from './progress';
import { summaries } from './summaries';

export interface Attempt<T> {
  value: T;
  /** Why the application does not (yet) match; empty when verified. */
  gaps: string[];
  /** The gaps are the application's inability to show everything, not access seen. */
  unverifiable?: boolean;
  /** The account is someone else's: nothing to verify for this person, and a person should look. */
  heldBy?: string;
}

export interface Verified<T> {
  value: T;
  attempts: number;
  verifiedAt: string;
}

const FIRST_BACKOFF_MS = 1000;

/** An operator set the application aside (the `skip` signal or update): the step gives way at once. */
export class SkippedByOperator extends Error {
  constructor(
    readonly decision: SkipDecision,
    readonly attempts: number,
  ) {
    super(`skipped by ${decision.by}: ${decision.reason}`);
  }
}

export interface UntilVerifiedOptions {
  /** A skip of this application ends the loop with SkippedByOperator, even mid-attempt (a leaver's). */
  skippable?: boolean;
}

export async function untilVerified<T>(
  progress: Progress,
  appId: string,
  maxRetryIntervalMs: number,
  attempt: () => Promise<Attempt<T>>,
  { skippable = false }: UntilVerifiedOptions = {},
): Promise<Verified<T>> {
  if (!skippable) return loop(progress, appId, maxRetryIntervalMs, attempt);
  let settled = false;
  const skipped = () => progress.skipOf(appId) !== undefined;
  // One wait for the skip for the whole loop; it also ends when the loop does, so nothing lingers.
  const skipRequested = condition(() => settled || skipped());
  const scope = new CancellationScope();
  // Cancelling the loop's scope withdraws the attempt in flight or the backoff it waits in.
  const looping = scope.run(() => loop(progress, appId, maxRetryIntervalMs, attempt));
  try {
    return await Promise.race([
      looping,
      skipRequested.then(() => {
        if (settled) return looping;
        scope.cancel();
        looping.catch(() => undefined);
        const attempts = progress.list().find((a) => a.appId === appId)?.attempts ?? 0;
        throw new SkippedByOperator(progress.skipOf(appId)!, attempts);
      }),
    ]);
  } finally {
    settled = true;
  }
}

async function loop<T>(
  progress: Progress,
  appId: string,
  maxRetryIntervalMs: number,
  attempt: () => Promise<Attempt<T>>,
): Promise<Verified<T>> {
  for (let attempts = 1; ; attempts++) {
    const callingSince = new Date().toISOString();
    progress.update(appId, { status: attempts === 1 ? 'working' : 'failing', attempts, callingSince });
    let problem: string;
    let status: AppStepStatus;
    let waitAtLeastMs = 0;
    try {
      const { value, gaps, unverifiable, heldBy } = await attempt().finally(() =>
        progress.update(appId, { callingSince: undefined }),
      );
      if (gaps.length === 0) {
        const verifiedAt = new Date().toISOString();
        progress.update(
          appId,
          heldBy
            ? {
                status: 'held-by-other',
                lastProblem: `not touched: the account with this userName belongs to ${heldBy}`,
              }
            : { status: 'verified', verifiedAt, lastProblem: undefined },
        );
        return { value, attempts, verifiedAt };
      }
      problem = `${unverifiable ? 'unverifiable' : 'not verified'}: ${gaps.join('; ')}`;
      status = unverifiable ? 'unverifiable' : 'failing';
    } catch (error) {
      if (isCancellation(error)) throw error;
      problem = describeFailure(error);
      waitAtLeastMs = retryAfterOf(error);
      status = 'failing';
    }
    progress.update(appId, { status, lastProblem: problem });
    const backoff = Math.max(
      waitAtLeastMs,
      Math.min(FIRST_BACKOFF_MS * 2 ** (attempts - 1), maxRetryIntervalMs),
    );
    await condition(() => progress.hasRetryRequest(appId), backoff, {
      summary: summaries.retryBackoff(appId, attempts),
    });
    progress.takeRetryRequest(appId);
  }
}

/** What went wrong in an activity, in the application's own words. */
export function describeFailure(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The application's own Retry-After, carried in the failure details by activities/failures.ts. */
function retryAfterOf(error: unknown): number {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure)) return 0;
  const detail = cause.details?.[0] as { retryAfterMs?: number | null } | undefined;
  return detail?.retryAfterMs ?? 0;
}
