// Connector errors → Temporal failures, and Retry-After parsing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/activity';
import {
  PERMANENT_FAILURE,
  TRANSIENT_FAILURE,
  mapped,
  toApplicationFailure,
} from '../../activities/failures';
import { PermanentConnectorError, TransientConnectorError } from '../../connectors/errors';
import { parseRetryAfter } from '../../connectors/scim/scim-http';

void describe('toApplicationFailure', () => {
  void test('a transient error with Retry-After is retryable after that delay', () => {
    const failure = toApplicationFailure(new TransientConnectorError('crm: 429', 2_000));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'TransientConnectorError');
    assert.equal(failure.type, TRANSIENT_FAILURE);
    assert.equal(failure.message, 'crm: 429');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 2_000);
    assert.deepEqual(failure.details, [{ retryAfterMs: 2_000 }]);
  });

  void test('a transient error without Retry-After leaves the delay to the retry policy', () => {
    const failure = toApplicationFailure(new TransientConnectorError('crm: 503'));
    assert.equal(failure.type, TRANSIENT_FAILURE);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, undefined);
    assert.deepEqual(failure.details, [{ retryAfterMs: null }]);
  });

  void test('a permanent error is not retryable', () => {
    const failure = toApplicationFailure(new PermanentConnectorError('crm: group "x" does not exist'));
    assert.equal(failure.type, 'PermanentConnectorError');
    assert.equal(failure.type, PERMANENT_FAILURE);
    assert.equal(failure.message, 'crm: group "x" does not exist');
    assert.equal(failure.nonRetryable, true);
  });

  void test('an unknown error is an unexpected, non-retryable failure', () => {
    const failure = toApplicationFailure(new TypeError('cannot read properties of undefined'));
    assert.equal(failure.type, 'UnexpectedError');
    assert.equal(failure.message, 'cannot read properties of undefined');
    assert.equal(failure.nonRetryable, true);
  });

  void test('a thrown non-Error becomes its string form', () => {
    const failure = toApplicationFailure('boom');
    assert.equal(failure.type, 'UnexpectedError');
    assert.equal(failure.message, 'boom');
    assert.equal(failure.nonRetryable, true);
  });

  void test('an ApplicationFailure passes through unchanged', () => {
    const original = ApplicationFailure.retryable('already mapped', 'Custom');
    assert.equal(toApplicationFailure(original), original);
  });

  void test('mapped() returns the result, and rethrows errors as failures', async () => {
    assert.equal(await mapped(() => Promise.resolve(42)), 42);
    await assert.rejects(
      mapped(() => Promise.reject(new TransientConnectorError('later', 1_500))),
      (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure);
        assert.equal(error.type, TRANSIENT_FAILURE);
        assert.equal(error.nextRetryDelay, 1_500);
        return true;
      },
    );
  });
});

void describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T08:00:00Z');

  void test('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('2', now), 2_000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('120', now), 120_000);
  });

  void test('reads an HTTP-date relative to now', () => {
    assert.equal(parseRetryAfter('Wed, 01 May 2024 08:00:30 GMT', now), 30_000);
  });

  void test('garbage is ignored rather than read as a date or a number', () => {
    for (const value of ['-5', 'abc 5', '0x10', '1e3', '2.5', 'soon']) {
      assert.equal(parseRetryAfter(value, now), undefined, value);
    }
  });

  void test('an HTTP-date in the past means no wait', () => {
    assert.equal(parseRetryAfter('Wed, 01 May 2024 07:00:00 GMT', now), 0);
  });

  void test('garbage, null and empty give undefined', () => {
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('5 seconds', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });
});
