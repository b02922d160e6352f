// Telling "Temporal is unreachable" apart from every other failure, so the API answers 503 with
// Retry-After (the sender should try again) instead of 500 (something is broken here), and bounding
// how long a request waits for Temporal: the client otherwise retries an unreachable server ~20 s.
import {
  isGrpcServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { HttpError } from './http-error';

// gRPC status codes (@grpc/grpc-js `status`): the server cannot be reached, or did not answer in time;
// or it refuses a query because no worker polls the workflow's task queue; or the call was cancelled.
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;
const UNAVAILABLE = 14;

/** Seconds a sender should wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

/** Whether the error or one of its causes holds: the client wraps gRPC errors (ServiceError, …). */
function someCause(error: unknown, holds: (e: Error) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (holds(e)) return true;
  }
  return false;
}

export function isTemporalUnavailable(error: unknown): boolean {
  return someCause(
    error,
    (e) =>
      e instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
      (isGrpcServiceError(e) && [UNAVAILABLE, DEADLINE_EXCEEDED].includes(Number(e.code))),
  );
}

/** A query Temporal cannot deliver because no worker polls the task queue (the worker is down). */
export function isWorkerMissing(error: unknown): boolean {
  return someCause(
    error,
    (e) => isGrpcServiceError(e) && Number(e.code) === FAILED_PRECONDITION && /no poller/i.test(e.details),
  );
}

export function workerUnavailable(): HttpError {
  return new HttpError(
    503,
    {
      error: 'worker_unavailable',
      message: `no jml worker polls the task queue, so the workflow cannot answer; send the same request again after ${RETRY_AFTER_SECONDS} s`,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

export function temporalUnavailable(deadlineMs: number): HttpError {
  return new HttpError(
    503,
    {
      error: 'temporal_unavailable',
      message: `Temporal did not answer within ${deadlineMs / 1000} s (unreachable, overloaded, or no worker is there to answer); send the same request again after ${RETRY_AFTER_SECONDS} s`,
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/** A call the client cancelled: it does so when the deadline passes while it waits to retry. */
function isCancelled(error: unknown): boolean {
  return someCause(error, (e) => isGrpcServiceError(e) && Number(e.code) === CANCELLED);
}

/** Runs the route's Temporal calls under one deadline; unreachable (or no worker) becomes a 503. */
export async function withTemporal<T>(client: Client, deadlineMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  try {
    return await client.withDeadline(deadline, fn);
  } catch (error) {
    // An overloaded server whose answer did not come within the deadline is unavailable too.
    const cancelledByDeadline = isCancelled(error) && Date.now() >= deadline;
    if (isTemporalUnavailable(error) || cancelledByDeadline) throw temporalUnavailable(deadlineMs);
    if (isWorkerMissing(error)) throw workerUnavailable();
    throw error;
  }
}
