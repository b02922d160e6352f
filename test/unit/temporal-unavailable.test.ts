// Which failures mean "Temporal is unreachable" (503, try again) and which do not (a real error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { HttpError } from '../../api/http-error';
import { isTemporalUnavailable, isWorkerMissing, withTemporal } from '../../api/temporal-unavailable';

/** An error shaped as @grpc/grpc-js raises them. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

void test('an unreachable or silent server is unavailable, however the client wraps it', () => {
  assert.equal(isTemporalUnavailable(grpcError(14, 'No connection established')), true);
  assert.equal(isTemporalUnavailable(grpcError(4, 'Deadline exceeded')), true);
  const wrapped = new ServiceError('Failed to query workflow', { cause: grpcError(14, 'unavailable') });
  assert.equal(isTemporalUnavailable(wrapped), true);
  assert.equal(
    isTemporalUnavailable(new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out waiting for update')),
    true,
  );
});

void test('answers from a reachable server and ordinary errors are not', () => {
  assert.equal(isTemporalUnavailable(grpcError(5, 'not found')), false);
  assert.equal(isTemporalUnavailable(grpcError(7, 'permission denied')), false);
  assert.equal(isTemporalUnavailable(new WorkflowNotFoundError('gone', 'identity-E1', undefined)), false);
  assert.equal(isTemporalUnavailable(new ServiceError('odd', { cause: new TypeError('bug') })), false);
  assert.equal(isTemporalUnavailable('a string'), false);
});

void test('a query no worker can answer is told apart from other refusals', () => {
  const noPoller = grpcError(9, 'no poller seen for task queue recently, worker may be down');
  assert.equal(isWorkerMissing(new ServiceError('Failed to query Workflow', { cause: noPoller })), true);
  assert.equal(isWorkerMissing(grpcError(9, 'workflow is not running')), false);
  assert.equal(isWorkerMissing(grpcError(14, 'no poller')), false);
});

void test('a call cancelled once the deadline has passed is unavailable (503); one cancelled before it is not', async () => {
  const client = {
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
  } as unknown as Client;
  const cancelled = () =>
    new ServiceError('Failed to query Workflow', { cause: grpcError(1, 'Call cancelled') });
  const late = withTemporal(client, 1, async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw cancelled();
  });
  await assert.rejects(late, (error: unknown) => error instanceof HttpError && error.status === 503);
  const early = withTemporal(client, 60_000, () => Promise.reject(cancelled()));
  await assert.rejects(early, (error: unknown) => error instanceof ServiceError);
});
