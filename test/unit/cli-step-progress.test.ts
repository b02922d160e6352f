// The end of a step as `jml event --wait` judges it, from status answers alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityStatus } from '../../domain/lifecycle';
import { describeApp, StepProgress } from '../../cli/step-progress';

function status(more: Partial<IdentityStatus>): IdentityStatus {
  return {
    employeeId: 'E1001',
    stage: 'joining',
    waitingFor: 'granting access in crm',
    needsAttention: false,
    queued: [],
    apps: [{ appId: 'crm', status: 'working', attempts: 1 }],
    approvals: [],
    tasks: [],
    scheduled: [],
    revocations: [],
    history: [],
    ...more,
  };
}

void test('an event cancelled by a termination ends the wait, not verified', () => {
  const progress = new StepProgress('ev-1');
  assert.equal(progress.observe(status({ current: { eventId: 'ev-1', type: 'hire' } })).finished, false);
  const cancelled = status({
    stage: 'leaving',
    current: { eventId: 'ev-2', type: 'terminate' },
    history: [
      { eventId: 'ev-1', type: 'hire', source: 'hr', outcome: 'cancelled', at: '2026-12-01T09:00:00Z' },
    ],
  });
  assert.equal(progress.observe(cancelled).finished, true);
  assert.deepEqual(progress.verdict(), { line: 'done: the event was cancelled', ok: false });
});

void test('a step seen running that is gone while the person is settled has ended, history or not', () => {
  const progress = new StepProgress('ev-1');
  progress.observe(status({ current: { eventId: 'ev-1', type: 'hire' } }));
  const settled = status({ stage: 'active', apps: [{ appId: 'crm', status: 'verified', attempts: 1 }] });
  assert.deepEqual(progress.observe(settled), {
    lines: ['active: granting access in crm', '  crm: verified'],
    finished: true,
  });
  assert.equal(progress.verdict().ok, true);
});

void test('an event never seen is not taken as finished because the person is active', () => {
  const progress = new StepProgress('ev-1');
  assert.equal(progress.observe(status({ stage: 'active' })).finished, false);
});

void test('each status in words', () => {
  assert.equal(describeApp({ appId: 'crm', status: 'working', attempts: 3 }), 'crm: working (attempt 3)');
  assert.equal(
    describeApp({
      appId: 'crm',
      status: 'held-by-other',
      attempts: 1,
      lastProblem: 'crm account belongs to E2',
    }),
    'crm: held-by-other: crm account belongs to E2',
  );
});
