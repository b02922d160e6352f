// The loop every application step runs in: act, read the application back, and repeat with
// backoff until the read-back matches. Failures flag NeedsAttention instead of giving up.
import { ActivityFailure, ApplicationFailure, condition, isCancellation } from '@temporalio/workflow';
import type { AppStepStatus } from '../domain/lifecycle';
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

export async function untilVerified<T>(
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
