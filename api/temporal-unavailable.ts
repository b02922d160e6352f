// Telling "Temporal is unreachable" apart from every other failure, so the API answers 503 with
// Retry-After (the sender should try again) instead of 500 (something is broken here), and bounding
// how long a request waits for Temporal: the client otherwise retries an unreachable server ~20 s.
import {
  isGrpcServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { HttpError } from './http-error';

// gRPC status codes (@grpc/grpc-js `status`): the server cannot be reached, or did not answer in time.
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/** Seconds a sender should wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

export function isTemporalUnavailable(error: unknown): boolean {
  // The client wraps gRPC errors (ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError): follow causes.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(e) && [UNAVAILABLE, DEADLINE_EXCEEDED].includes(Number(e.code))) return true;
  }
  return false;
}

export function temporalUnavailable(deadlineMs: number): HttpError {
  return new HttpError(
    503,
    {
      error: 'temporal_unavailable',
      message: `Temporal did not answer within ${deadlineMs / 1000} s (unreachable or overloaded); send the same request again after ${RETRY_AFTER_SECONDS} s`,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/** Runs the route's Temporal calls under one deadline; unreachable becomes a 503. */
export async function withTemporal<T>(client: Client, deadlineMs: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + deadlineMs, fn);
  } catch (error) {
    if (isTemporalUnavailable(error)) throw temporalUnavailable(deadlineMs);
    throw error;
  }
}
