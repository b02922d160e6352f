// The one place connector errors become Temporal failures: transient ones are retried (after the
// application's Retry-After, when it gave one), everything else fails the attempt for good.
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { PermanentConnectorError, TransientConnectorError } from '../connectors/errors';
import { withPulse, type Pulse } from './pulse';

export const TRANSIENT_FAILURE = 'TransientConnectorError';
export const PERMANENT_FAILURE = 'PermanentConnectorError';

export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  if (error instanceof TransientConnectorError) {
    return ApplicationFailure.create({
      type: TRANSIENT_FAILURE,
      message: error.message,
      nonRetryable: false,
      nextRetryDelay: error.retryAfterMs,
      details: [{ retryAfterMs: error.retryAfterMs ?? null }],
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PermanentConnectorError) {
    return ApplicationFailure.create({ type: PERMANENT_FAILURE, message, nonRetryable: true });
  }
  // Unknown errors are programming or environment faults: retrying the same code will not fix them.
  return ApplicationFailure.create({ type: 'UnexpectedError', message, nonRetryable: true });
}

/**
 * Runs a connector call with a heartbeat (activities/pulse.ts) and rethrows any error as the matching
 * Temporal failure.
 */
export async function mapped<T, D = unknown>(call: (pulse: Pulse<D>) => Promise<T>): Promise<T> {
  try {
    return await withPulse(call);
  } catch (error) {
    throw toApplicationFailure(error);
  }
}
