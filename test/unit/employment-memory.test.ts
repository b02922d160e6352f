// A person's employment memory from their recorded HR events: every event id, and the last
// termination that ended an employment (not one refused as stale or a duplicate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFrom, REMEMBERED_EVENT_IDS } from '../../domain/employment-memory';

void test('the last termination is the latest one that ended an employment, whatever the order recorded', () => {
  const memory = memoryFrom([
    { eventId: 'h1', type: 'hire', occurredAt: '2026-01-01T09:00:00Z', outcome: 'completed' },
    { eventId: 't2', type: 'terminate', occurredAt: '2026-06-01T09:00:00Z', outcome: 'completed' },
    { eventId: 't1', type: 'terminate', occurredAt: '2026-05-01T09:00:00Z', outcome: 'merged' },
    { eventId: 't3', type: 'terminate', occurredAt: '2026-07-01T09:00:00Z', outcome: 'stale' },
    { eventId: 't4', type: 'terminate', occurredAt: '2026-08-01T09:00:00Z', outcome: 'duplicate' },
  ]);
  assert.deepEqual(memory, {
    processedEventIds: ['h1', 't2', 't1', 't3', 't4'],
    lastTerminationAt: '2026-06-01T09:00:00Z',
  });
});

void test('someone never terminated has no last termination; only the newest event ids are kept', () => {
  const events = Array.from({ length: REMEMBERED_EVENT_IDS + 2 }, (_, i) => ({
    eventId: `c${i}`,
    type: 'change',
    occurredAt: '2026-01-01T09:00:00Z',
  }));
  const memory = memoryFrom(events);
  assert.equal(memory.lastTerminationAt, undefined);
  assert.equal(memory.processedEventIds.length, REMEMBERED_EVENT_IDS);
  assert.equal(memory.processedEventIds[0], 'c2');
  assert.deepEqual(memoryFrom([]), { processedEventIds: [] });
});
